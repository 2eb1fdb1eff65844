"""The reference Usage page (web/) in a real browser: Playwright driving Debian's Chromium
against the real app served by uvicorn, over a small seeded workspace whose every figure is
known. The demo workspace's tests are in test_page_demo.py and test_page_view.py."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import uvicorn

from models.rules.days import billing_period
from models.rules.enums import Scope
from server.app import create_app
from tests import world
from tests.api import Api
from tests.browser import Page, open_page
from tests.conftest import TEST_SETTINGS
from tests.processes import free_port

COLUMNS = ["When", "Type", "Assistant", "Contact", "Channel", "Messages"]
WIDGETS = ["tiles", "daily-burn", "top-assistants", "by-channel", "recent-activity"]

TODAY = datetime.now(UTC).date()


def _noon(day: date) -> str:
    return world.iso(datetime.combine(day, time(12), tzinfo=UTC))


async def _seed(api: Api) -> dict[str, Any]:
    """A UTC workspace: Alpha has 15 web chats and Beta 10 calls and WhatsApps three days
    ago; Alpha also has 4 SMS twenty days ago. 29 conversations in the last 30 days."""
    ws = await world.workspace(api, "Browser Co", timezone="UTC")
    alpha = await world.assistant(api, ws, "alpha", "Alpha Bot")
    beta = await world.assistant(api, ws, "beta", "Beta Bot")
    recent, older = TODAY - timedelta(days=3), TODAY - timedelta(days=20)
    events = [
        world.event(f"a{n}", _noon(recent), alpha, f"a{n}", contact=f"alpha-{n}", messages=2)
        for n in range(15)
    ]
    events += [
        world.event(f"b{n}", _noon(recent), beta, f"b{n}", contact=f"beta-{n}",
                    channel="PHONE" if n % 2 else "WHATSAPP", messages=5)
        for n in range(10)
    ]  # fmt: skip
    events += [
        world.event(f"o{n}", _noon(older), alpha, f"o{n}", contact=f"old-{n}", channel="SMS")
        for n in range(4)
    ]
    await world.record(api, ws, events)
    reader = await api.workspace_key(ws, Scope.USAGE_READ)
    return {"ws": ws, "alpha": alpha, "beta": beta, "key": reader.key}


@pytest.fixture
async def site(api: Api) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    seeded = await _seed(api)
    port = free_port()
    app = create_app(TEST_SETTINGS, manage_database=False)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event for it)
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", seeded
    finally:
        server.should_exit = True
        await task


async def _figures(page: Any) -> dict[str, Any]:
    return {
        "total": await page.locator("#channel-donut .donut-total").text_content(),
        "rows": await page.locator("#activity-rows tr").count(),
        "top": await page.locator("#top-assistants .row .name").all_inner_texts(),
    }


async def _apply_range(page: Any, start: date, end: date) -> None:
    """Fills both dates and presses Enter, which applies a valid range at once."""
    await page.fill("input[data-filter=start]", str(start))
    await page.fill("input[data-filter=end]", str(end))
    await page.press("input[data-filter=end]", "Enter")


async def test_the_usage_page_in_chromium(site: tuple[str, dict[str, Any]], chromium: Any) -> None:
    base, seeded = site
    # The demo's link: the key arrives in the fragment, is kept, and leaves the address bar.
    shown = await open_page(chromium, f"{base}/#key={seeded['key']}", 1400, 1000)
    page = shown.page
    await page.wait_for_selector("[data-tile]")
    assert "key=" not in page.url
    assert await page.evaluate("localStorage.getItem('burnrate.key')") == seeded["key"]
    assert len(shown.graphql) == 1, "one request loads the page's figures"

    # The five widgets, the tiles of the plan, the six columns.
    for widget in WIDGETS:
        assert await page.locator(f"[data-widget={widget}]").is_visible(), widget
    tiles = await page.locator("[data-tile]").evaluate_all("els => els.map(e => e.dataset.tile)")
    assert tiles == ["CREDITS", "TEXT_QUERIES", "VOICE_MINUTES", "CHATBOTS"]
    headers = await page.locator("[data-widget=recent-activity] th").all_inner_texts()
    assert headers == COLUMNS
    assert await page.locator("[data-filter=agent]").input_value() == ""
    assert await page.locator("[data-filter=start]").input_value() == str(
        TODAY - timedelta(days=29)
    )
    assert await page.locator("[data-filter=end]").input_value() == str(TODAY)
    first = await _figures(page)
    assert first == {"total": "29", "rows": 20, "top": ["Alpha Bot", "Beta Bot"]}
    credits_tile = page.locator("[data-tile=CREDITS]")
    # One credit an event; the tile counts the billing period's (anchor 1), not the range's.
    period_start = billing_period(TODAY, 1)[0]
    in_period = 25 + (4 if TODAY - timedelta(days=20) >= period_start else 0)
    assert re.search(rf"\b{in_period}\b", await credits_tile.inner_text())
    # No link settings on this server: no links on the page.
    assert await page.locator("nav[data-widget=next]").is_hidden()
    assert await page.locator("a[data-link]:visible").count() == 0

    # Load more by cursor.
    await page.click("#load-more")
    await page.wait_for_function("document.querySelectorAll('#activity-rows tr').length === 29")
    assert await page.locator("#load-more").is_hidden()

    # The chart's toggle.
    await page.click("[data-metric=messages]")
    label = await page.locator("#burn-chart svg").get_attribute("aria-label")
    assert label.startswith("Messages per day, 84 in all")  # 15×2 + 10×5 + 4×1
    assert await page.locator("[data-metric=messages]").get_attribute("aria-pressed") == "true"

    # The agent filter changes every figure.
    await page.select_option("select[data-filter=agent]", seeded["beta"])
    await page.wait_for_function(
        "document.querySelector('#channel-donut .donut-total').textContent === '10'"
    )
    await shown.settled()
    assert await _figures(page) == {"total": "10", "rows": 10, "top": ["Beta Bot"]}
    # The tile stays the pool's; the agent's part is named under it (Beta's 10 events).
    filtered = await credits_tile.inner_text()
    assert re.search(rf"\b{in_period}(\.00)? of 1,000", filtered), filtered
    assert "this agent: 10" in filtered

    # Clicking a top assistant filters to it; clicking it again shows all agents.
    await page.click("#top-assistants button[data-assistant]")
    await shown.settled()
    assert await page.locator("[data-filter=agent]").input_value() == ""
    await page.click(f"#top-assistants button[data-assistant='{seeded['alpha']}']")
    await page.wait_for_function(
        "document.querySelector('#channel-donut .donut-total').textContent === '19'"
    )
    assert await page.locator("[data-filter=agent]").input_value() == seeded["alpha"]
    await page.select_option("select[data-filter=agent]", "")
    await page.wait_for_function(
        "document.querySelector('#channel-donut .donut-total').textContent === '29'"
    )

    # The date range changes every figure: only the older SMS conversations.
    await _apply_range(page, TODAY - timedelta(days=25), TODAY - timedelta(days=15))
    await page.wait_for_function(
        "document.querySelector('#channel-donut .donut-total').textContent === '4'"
    )
    await shown.settled()
    assert await _figures(page) == {"total": "4", "rows": 4, "top": ["Alpha Bot"]}
    legend = await page.locator("#channel-legend li").all_inner_texts()
    assert legend == ["SMS — 4 (100%)"]

    # The empty state.
    await _apply_range(page, TODAY - timedelta(days=200), TODAY - timedelta(days=190))
    empty = page.locator("[data-state=empty]")
    await empty.wait_for(state="visible")
    assert "No usage data for this period" in await empty.inner_text()
    assert "No usage data for this period" in await page.locator("#burn-chart").inner_text()

    # The error state, and retry once the API answers again.
    await page.route("**/graphql", lambda route: route.abort())
    await _apply_range(page, TODAY - timedelta(days=9), TODAY)
    failure = page.locator("[data-state=error]")
    await failure.wait_for(state="visible")
    assert "Usage couldn't load for" in await failure.inner_text()
    await page.unroute("**/graphql")
    await page.click("#retry")
    await failure.wait_for(state="hidden")
    await page.wait_for_function(
        "document.querySelector('#channel-donut .donut-total').textContent === '25'"
    )
    assert shown.errors == []


async def test_a_new_visitor_is_asked_for_a_key(
    site: tuple[str, dict[str, Any]], chromium: Any
) -> None:
    base, seeded = site
    context = await chromium.new_context(locale="en-US")
    page = Page(await context.new_page()).page
    await page.goto(base)
    dialog = page.locator("#key-dialog")
    await dialog.wait_for(state="visible")
    await page.get_by_label("API key").fill("br_not-a-key")
    await page.get_by_role("button", name="Show usage").click()
    await page.wait_for_function("document.querySelector('#key-error').textContent.length > 0")
    assert "not accepted" in await page.locator("#key-error").inner_text()
    await page.get_by_label("API key").fill(seeded["key"])
    await page.get_by_role("button", name="Show usage").click()
    await page.wait_for_selector("[data-tile]")
    assert await page.locator("#workspace-name").inner_text() != ""
    assert (await page.locator("[data-widget=tiles]").get_attribute("data-widget")) == "tiles"
