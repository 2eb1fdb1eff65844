"""The Usage page's view on the demo workspace (issue 15): dates typed by hand, the view in
the address bar, and what a failed load shows, in Chromium against real servers."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date, timedelta
from typing import Any

import httpx

from tests.browser import ARTIFACTS, Page, open_page
from tests.demo_site import DemoSite
from tests.page_text import USAGE, count, credits, span, usage_of


async def _requests_become(page: Page, n: int, seconds: float = 10) -> None:
    """Until the page has sent `n` GraphQL requests and drawn the answer, then a little
    longer to be sure no other one follows."""
    for _ in range(int(seconds * 10)):
        if len(page.graphql) >= n:
            break
        await asyncio.sleep(0.1)
    await page.settled()
    await asyncio.sleep(1.2)  # longer than the page's typing pause
    assert len(page.graphql) == n, page.graphql


async def _type_date(page: Page, name: str, when: str) -> None:
    """Types a date into `<input type=date>` as a person does in en-US: month, day, year."""
    field = page.page.locator(f"input[data-filter={name}]")
    await field.focus()
    for _ in range(2):  # back to the month, if the field kept its focus on a later part
        await field.press("ArrowLeft")
    year, month, day = when.split("-")
    await field.press_sequentially(f"{month}{day}{year}", delay=20)


async def test_typed_dates_are_applied_once_checked_and_never_per_keystroke(
    demo_site: DemoSite, chromium: Any
) -> None:
    usage = usage_of(await demo_site.ask(USAGE))
    start, end = (date.fromisoformat(usage["range"][k]) for k in ("start", "end"))
    page = await open_page(chromium, demo_site.link)
    field = page.page.locator("input[data-filter=start]")
    assert await field.get_attribute("min") == "2000-01-01"
    assert await field.get_attribute("max") == str(end), "today in the workspace"

    # Eight keystrokes, each leaving a complete date in the field: one request, after a pause.
    earlier = start - timedelta(days=40)
    await _type_date(page, "start", str(earlier))
    assert len(page.graphql) == 1, "nothing is sent while typing"
    await _requests_become(page, 2)
    assert await field.input_value() == str(earlier)
    assert json.loads(page.graphql[-1])["variables"]["range"] == {
        "start": str(earlier),
        "end": str(end),
    }
    assert await page.page.locator("#summary-range").inner_text() == span(str(earlier), str(end))

    # Years the API cannot take are explained beside the inputs, and not sent. Typing
    # "31202" leaves 1202 in Chromium's field (it keeps the last four digits).
    problem = page.page.locator("#range-problem")
    for typed, said in (("31202-01-01", "pick a later date"), ("2999-01-01", "after today")):
        await _type_date(page, "start", typed)
        await page.page.wait_for_function(
            f"document.querySelector('#range-problem').textContent.includes({said!r})"
        )
        assert await field.get_attribute("aria-invalid") == "true"
    # Start after end: explained, not sent.
    await _type_date(page, "end", str(end - timedelta(days=5)))
    await _type_date(page, "start", str(end - timedelta(days=3)))
    await page.page.wait_for_function(
        "document.querySelector('#range-problem').textContent.includes('after the end date')"
    )
    # A range longer than the server's limit (366 days): explained, not sent.
    await _type_date(page, "start", str(end - timedelta(days=400)))
    await page.page.wait_for_function(
        "document.querySelector('#range-problem').textContent.includes('at most 366 days')"
    )
    await _requests_become(page, 2)

    # Leaving the field applies a valid range at once.
    await _type_date(page, "start", str(end - timedelta(days=6)))
    await page.page.keyboard.press("Tab")
    await _requests_become(page, 3)
    assert json.loads(page.graphql[-1])["variables"]["range"] == {
        "start": str(end - timedelta(days=6)),
        "end": str(end - timedelta(days=5)),
    }
    assert await problem.is_hidden()
    assert await field.get_attribute("aria-invalid") is None
    assert page.errors == []


async def test_the_view_lives_in_the_address_bar_and_never_the_key(
    demo_site: DemoSite, chromium: Any
) -> None:
    usage = usage_of(await demo_site.ask(USAGE))
    agent = usage["topAssistants"][1]["assistant"]
    end = date.fromisoformat(usage["range"]["end"])
    start = end - timedelta(days=13)
    page = await open_page(chromium, demo_site.link)
    assert "key" not in page.page.url
    await page.page.select_option("select[data-filter=agent]", agent["id"])
    await _requests_become(page, 2)
    await _type_date(page, "start", str(start))
    await _requests_become(page, 3)
    await page.page.click("[data-metric=messages]")
    address = httpx.URL(page.page.url)
    assert dict(address.params) == {
        "agent": agent["id"],
        "start": str(start),
        "end": str(end),
        "metric": "messages",
    }
    assert demo_site.key not in page.page.url and not address.fragment

    expected = usage_of(
        await demo_site.ask(
            USAGE, {"agent": agent["id"], "range": {"start": str(start), "end": str(end)}}
        )
    )

    async def shows_the_view(view: Page) -> None:
        assert len(view.graphql) == 1, "the restored view is one request"
        sent = json.loads(view.graphql[0])["variables"]
        assert sent == {"range": {"start": str(start), "end": str(end)}, "agent": agent["id"]}
        assert await view.page.locator("select[data-filter=agent]").input_value() == agent["id"]
        assert await view.page.locator("input[data-filter=start]").input_value() == str(start)
        pressed = view.page.locator("[data-metric=messages]")
        assert await pressed.get_attribute("aria-pressed") == "true"
        caption = await view.page.locator("#burn-caption").inner_text()
        assert caption.endswith(f"{count(expected['summary']['messages'])} messages in all")
        shown = await view.page.locator("[data-figure=credits] dd").inner_text()
        assert shown == credits(expected["summary"]["creditsUsed"])

    # Reloading restores the view …
    reloaded = Page(page.page)
    await page.page.reload()
    await reloaded.settled()
    await shows_the_view(reloaded)
    # … and so does the link, shared with someone who has their own key stored.
    shared = await open_page(chromium, demo_site.link)
    fresh = Page(shared.page)
    await shared.page.goto(page.page.url)
    await fresh.settled()
    await shows_the_view(fresh)

    # A link with a malformed view falls back to the defaults instead of sending it.
    odd = await open_page(
        chromium, f"{demo_site.base}/?start=31202-01-01&end=2026-01-01&metric=x#key={demo_site.key}"
    )
    assert json.loads(odd.graphql[0])["variables"] == {"range": None, "agent": None}
    assert "key=" not in odd.page.url


async def test_a_failed_load_dims_the_figures_and_names_the_range(
    demo_site: DemoSite, chromium: Any
) -> None:
    usage = usage_of(await demo_site.ask(USAGE))
    agent = usage["topAssistants"][0]["assistant"]
    page = await open_page(chromium, demo_site.link)
    await page.page.route("**/graphql", lambda route: route.abort())
    await page.page.select_option("select[data-filter=agent]", agent["id"])
    failure = page.page.locator("[data-state=error]")
    await failure.wait_for(state="visible")
    text = await failure.inner_text()
    rng = span(usage["range"]["start"], usage["range"]["end"])
    assert f"Usage couldn't load for {rng} ({agent['name']})." in text
    assert "The server could not be reached" in text
    assert f"The figures below are still those of {rng}." in text
    assert await page.page.locator("main").get_attribute("data-stale") == "true"
    faded = await page.page.locator(".figures").evaluate("e => getComputedStyle(e).opacity")
    assert float(faded) < 0.5
    ARTIFACTS.mkdir(exist_ok=True)
    await page.page.screenshot(path=str(ARTIFACTS / "usage-demo-error.png"))
    await page.page.unroute("**/graphql")
    await page.page.click("#retry")
    await failure.wait_for(state="hidden")
    await page.settled()
    assert await page.page.locator("main").get_attribute("data-stale") is None
    top = await page.page.locator("#top-assistants .row").all_inner_texts()
    assert len(top) == 1 and top[0].startswith(agent["name"])


async def test_too_many_requests_says_so_and_retries_by_itself(
    demo_site: DemoSite, chromium: Any
) -> None:
    # What one page load costs, from the page's own request.
    first = await open_page(chromium, demo_site.link)
    async with httpx.AsyncClient(base_url=demo_site.base) as client:
        answer = await client.post(
            "/graphql",
            content=first.graphql[0],
            headers={
                "Authorization": f"Bearer {demo_site.key}",
                "Content-Type": "application/json",
            },
        )
    cost = answer.json()["extensions"]["cost"]["requested"]
    await first.page.context.close()

    # A server whose budget holds one load and refills it in about three seconds.
    async with demo_site.serve(
        BURNRATE_RATE_LIMIT_POINTS=str(cost),
        BURNRATE_RATE_LIMIT_RESTORE_PER_SECOND=str(cost / 3),
    ) as tight:
        page = await open_page(chromium, f"{tight}/#key={demo_site.key}")
        usage = usage_of(await demo_site.ask(USAGE))
        agent = usage["topAssistants"][2]["assistant"]
        await page.page.select_option("select[data-filter=agent]", agent["id"])
        failure = page.page.locator("[data-state=error]")
        await failure.wait_for(state="visible")
        said = await page.page.locator("#error-detail").inner_text()
        assert re.fullmatch(r"Too many requests, retrying in [1-4] s", said), said
        ARTIFACTS.mkdir(exist_ok=True)
        await page.page.screenshot(path=str(ARTIFACTS / "usage-demo-rate-limited.png"))
        await failure.wait_for(state="hidden", timeout=15_000)
        await page.settled()
        assert len(page.graphql) >= 3, "the refused request was sent again by the page"
        top = await page.page.locator("#top-assistants .row").all_inner_texts()
        assert len(top) == 1 and top[0].startswith(agent["name"])
        assert page.errors == []
