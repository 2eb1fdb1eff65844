"""The Usage page's settings written into its HTML (server/page_config.py): links from
BURNRATE_LINK_…, hidden when unset, refused when they are not web addresses."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import httpx
import pytest

from server.page_config import checked_link, page_html, page_settings
from server.settings import Settings, load_settings
from tests.conftest import Served

BLOCK = re.compile(r'<script type="application/json" id="page-config">(.*?)</script>', re.S)


def _config(html: str) -> Any:
    found = BLOCK.findall(html)
    assert len(found) == 1
    return json.loads(found[0])


def test_links_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BURNRATE_LINK_BILLING", "https://platform.example/billing")
    monkeypatch.setenv("BURNRATE_LINK_CAMPAIGNS", "/campaigns")
    loaded = load_settings()
    assert page_settings(loaded) == {
        "links": {"billing": "https://platform.example/billing", "campaigns": "/campaigns"},
        "maxRangeDays": loaded.max_range_days,
    }
    assert page_settings(Settings())["links"] == {}, "unset links are left out"


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "//evil.example/x", "data:text/html,hi", "ftp://files.example/",
     "https://", "relative/path", "/a b", "/x\ny", "/\\evil.example"],
)  # fmt: skip
def test_a_link_that_is_not_a_web_address_stops_the_server(url: str) -> None:
    with pytest.raises(SystemExit, match="BURNRATE_LINK_CONVERSATIONS"):
        checked_link("link_conversations", url)
    with pytest.raises(SystemExit):
        page_html(replace(Settings(), link_conversations=url))


def test_a_link_cannot_end_the_script_block() -> None:
    url = "https://x.example/?a=</script><script>alert(1)</script>&b=<!--"
    html = page_html(replace(Settings(), link_billing=url))
    assert "<script>alert(1)" not in html and "<!--" not in BLOCK.findall(html)[0]
    assert _config(html)["links"]["billing"] == url


async def test_the_page_is_served_with_its_settings(served: Served) -> None:
    async with served(link_billing="https://platform.example/billing", max_range_days=90) as c:
        for path in ("/", "/index.html"):
            answer: httpx.Response = await c.get(path)
            assert answer.status_code == 200
            assert answer.headers["cache-control"] == "no-cache"
            assert _config(answer.text) == {
                "links": {"billing": "https://platform.example/billing"},
                "maxRangeDays": 90,
            }
    async with served() as c:
        assert _config((await c.get("/")).text)["links"] == {}
        assert (await c.get("/app.js")).status_code == 200, "the page's files are still served"
