"""GraphiQL at GET /graphql works without internet: its files come from this server
(server/graphiql.py), fetched by `make` and checked against Strawberry's SRI hashes."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from server import graphiql
from tests.demo_site import DemoSite

HTML = {"Accept": "text/html"}


def test_every_file_of_the_page_is_found_with_its_hash() -> None:
    page = graphiql.cdn_page()
    found = graphiql.assets(page)
    assert {a.package for a in found} >= {"react", "react-dom", "graphiql"}
    assert len(found) == page.count(graphiql.CDN)
    unhashed = page.replace('integrity="', 'data-x="', 1)
    with pytest.raises(RuntimeError, match="without an integrity hash"):
        graphiql.assets(unhashed)
    assert graphiql.matches(b"abc", "sha384-" + "x" * 64) is False
    assert graphiql.matches(
        b"abc", "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
    )


def test_without_its_files_the_page_still_loads_from_the_cdn(tmp_path: Any) -> None:
    assert graphiql.vendored(tmp_path) is False
    assert graphiql.page(tmp_path) == graphiql.cdn_page()
    assert graphiql.routes(tmp_path / "missing") == []


async def test_graphiql_names_only_files_this_server_serves(http: httpx.AsyncClient) -> None:
    assert graphiql.vendored(), "GraphiQL's files are missing: run `make` (server/graphiql.py)"
    answer = await http.get("/graphql", headers=HTML)
    assert answer.status_code == 200
    assert "unpkg.com" not in answer.text and "https://" not in re.sub(
        r"<!--.*?-->", "", answer.text
    )
    files = graphiql.assets(graphiql.cdn_page())
    for asset in files:
        url = f"{graphiql.LOCAL}{asset.package}@{asset.version}/{asset.path}"
        assert f'"{url}"' in answer.text
        served = await http.get(url)
        assert served.status_code == 200, url
        assert graphiql.matches(served.content, asset.integrity), url
    assert (await http.get("/graphiql/../server/settings.py")).status_code == 404


async def test_graphiql_runs_a_query_with_the_internet_cut_off(
    demo_site: DemoSite, chromium: Any
) -> None:
    context = await chromium.new_context(viewport={"width": 1280, "height": 800})
    elsewhere: list[str] = []

    async def only_this_machine(route: Any) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_this_machine)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{demo_site.base}/graphql")
    await page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=20_000)
    editor = "v => document.querySelector(%r).CodeMirror.setValue(v)"
    await page.evaluate(editor % ".graphiql-query-editor .CodeMirror", "{ viewer { name } }")
    await page.get_by_role("button", name="Headers").click()
    headers = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
    await page.evaluate(editor % headers, f'{{"Authorization": "Bearer {demo_site.key}"}}')
    await page.click(".graphiql-execute-button")
    await page.wait_for_function(
        "document.querySelector('.graphiql-response').innerText.includes('\"name\"')"
    )
    answer = await page.locator(".graphiql-response").inner_text()
    assert '"name": "demo"' in answer
    assert elsewhere == [], "GraphiQL asked for nothing outside this machine"
    assert errors == []
    await context.close()
