"""The Usage page on the demo workspace (issue 15), in Chromium: layout at phone widths,
periods, numbers that add up, the chart, the small things. Each figure the page shows is
compared with what the API answers for the same view. Screenshots go to tests/artifacts/
with `make screenshots`."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from tests.browser import ARTIFACTS, OUTSIDE, contrast, open_page, rgb
from tests.demo_site import DEMO_LINKS, DemoSite
from tests.page_text import USAGE, count, credits, day, span, usage_of

#: (width, height, screenshot) of the widths the page must fit.
WIDTHS = [(1440, 900, "usage-demo-1440.png"), (768, 1024, None),
          (390, 844, "usage-demo-390.png"), (320, 640, "usage-demo-320.png")]  # fmt: skip


async def _usage(site: DemoSite, **variables: Any) -> dict[str, Any]:
    return usage_of(await site.ask(USAGE, variables))


async def test_at_every_width_only_the_activity_table_scrolls_sideways(
    demo_site: DemoSite, chromium: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height, screenshot in WIDTHS:
        page = await open_page(chromium, demo_site.link, width, height)
        assert len(page.graphql) == 1, "one request loads the page"
        assert len(await page.page.locator("[data-tile]").all()) == 8
        if screenshot:
            await page.page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
        # The chart's table, opened, must fit too.
        await page.page.click("details.points summary")
        assert await page.page.evaluate("document.scrollingElement.scrollWidth") <= width
        assert await page.page.evaluate(OUTSIDE) == [], width
        if width <= 390:  # the table is wider than a phone: it scrolls inside its card
            scroller = page.page.locator("[data-widget=recent-activity] .table-wrap")
            assert await scroller.evaluate("e => e.scrollWidth > e.clientWidth")
        assert page.errors == []
        await page.page.context.close()


async def test_each_figure_names_the_period_it_counts(demo_site: DemoSite, chromium: Any) -> None:
    usage = await _usage(demo_site)
    page = await open_page(chromium, demo_site.link, 390, 844)
    for tile in usage["tiles"]:
        period = page.page.locator(f"[data-tile={tile['creditType']}] .period")
        assert await period.text_content() == f"Billing period {span(**tile['period'])}"
        assert await period.is_visible()
    rng = usage["range"]
    total = credits(usage["summary"]["creditsUsed"])
    assert await page.page.locator("#burn-caption").inner_text() == (
        f"{span(rng['start'], rng['end'])} · {total} credits in all"
    )
    assert await page.page.locator("#summary-range").inner_text() == span(rng["start"], rng["end"])
    summary = usage["summary"]
    shown = {
        "credits": ("Credits used", credits(summary["creditsUsed"])),
        "messages": ("Messages", count(summary["messages"])),
        "conversations": ("Conversations", count(summary["conversations"])),
        "chatbots": ("Chatbots used", "{used} of {available}".format(**summary["chatbotsUsed"])),
        "team-members": (
            "Team members used",
            "{used} of {available}".format(**summary["teamMembersUsed"]),
        ),
    }
    for key, (label, value) in shown.items():
        figure = page.page.locator(f"[data-figure={key}]")
        assert await figure.is_visible()
        assert await figure.locator("dt").inner_text() == label
        assert await figure.locator("dd").inner_text() == value


async def test_the_pool_keeps_its_band_and_names_the_agents_part(
    demo_site: DemoSite, chromium: Any
) -> None:
    """Issue 15 item 3: with an agent chosen, the tiles keep the pool's band and forecast and
    say the agent's part; a tile over its allotment reads "Over limit" with the real share
    and a bar that shows the overflow."""
    everyone = {t["creditType"]: t for t in (await _usage(demo_site))["tiles"]}
    agent = (await _usage(demo_site))["topAssistants"][0]["assistant"]
    tiles = (await _usage(demo_site, agent=agent["id"]))["tiles"]
    page = await open_page(chromium, f"{demo_site.base}/?agent={agent['id']}#key={demo_site.key}")
    assert await page.page.locator("[data-filter=agent]").input_value() == agent["id"]
    for tile in tiles:
        pool = everyone[tile["creditType"]]
        assert (tile["used"], tile["status"]) == (pool["used"], pool["status"])
        shown = await page.page.locator(f"[data-tile={tile['creditType']}]").inner_text()
        if tile["agentUsed"] is None:
            assert "this agent" not in shown
        else:
            part = (
                credits(tile["agentUsed"])
                if tile["creditType"] in ("CREDITS", "VOICE_MINUTES")
                else count(int(tile["agentUsed"]))
            )
            assert f"this agent: {part} of it" in shown, shown
    credits_tile = page.page.locator("[data-tile=CREDITS]")
    assert await credits_tile.get_attribute("data-status") == everyone["CREDITS"]["status"]
    over = page.page.locator("[data-tile=PHONE_NUMBERS]")
    assert everyone["PHONE_NUMBERS"]["status"] == "EXCEEDED"
    assert await over.get_attribute("data-status") == "EXCEEDED"
    text = await over.inner_text()
    assert "Over limit" in text
    assert f"{round(everyone['PHONE_NUMBERS']['ratio'] * 100)}%" in text  # 200%
    assert await over.locator(".bar-over").count() == 1
    assert page.errors == []
    await page.page.context.close()


async def test_top_assistants_and_channels_add_up_to_100_percent(
    demo_site: DemoSite, chromium: Any
) -> None:
    usage = await _usage(demo_site)
    page = await open_page(chromium, demo_site.link)
    rows = await page.page.locator("#top-assistants .row").all_inner_texts()
    top = usage["topAssistants"]
    other = usage["summary"]["conversations"] - sum(r["conversations"] for r in top)
    assert other > 0, "the demo has a sixth (archived) assistant below the top five"
    assert len(rows) == len(top) + 1
    percents = [int(m) for m in re.findall(r"· (\d+)%", "\n".join(rows))]
    assert sum(percents) == 100 and len(percents) == len(rows)
    for row, text in zip(top, rows, strict=False):
        assert text.startswith(row["assistant"]["name"])
        assert f"{count(row['conversations'])} · " in text
    assert rows[-1].startswith("Other assistants")
    assert f"{count(other)} · " in rows[-1]
    assert await page.page.locator("#top-assistants [data-other]").count() == 1

    legend = await page.page.locator("#channel-legend li").all_inner_texts()
    shares = [int(m) for m in re.findall(r"\((\d+)%\)", "\n".join(legend))]
    assert len(shares) == len(usage["byChannel"]) and sum(shares) == 100
    for channel, text in zip(usage["byChannel"], legend, strict=True):
        assert f"— {count(channel['conversations'])} (" in text
    whole = await page.page.locator("main").inner_text()
    assert not re.search(r"\d %", whole), "percentages are written without a space"


async def test_numbers_follow_the_browsers_locale(demo_site: DemoSite, chromium: Any) -> None:
    usage = await _usage(demo_site)
    page = await open_page(chromium, demo_site.link, locale="de-DE")
    value = Decimal(usage["summary"]["creditsUsed"])
    german = f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    assert await page.page.locator("[data-figure=credits] dd").inner_text() == german


async def test_the_chart_fits_its_card_and_reads_by_pointer_keyboard_and_table(
    demo_site: DemoSite, chromium: Any
) -> None:
    usage = await _usage(demo_site)
    days = usage["dailyBurn"]
    peak = max(Decimal(p["credits"]) for p in days)
    for width, height in ((1440, 900), (390, 844)):
        page = await open_page(chromium, demo_site.link, width, height)
        chart = page.page.locator("#burn-chart svg")
        # The axis: round ticks, the top one the first above the peak.
        ticks = [
            Decimal(t.replace(",", ""))
            for t in await chart.locator("text.value-tick").all_text_contents()
        ]
        step = ticks[1] - ticks[0]
        assert ticks[0] == 0 and ticks[-1] >= peak > ticks[-1] - step
        assert str(step.normalize())[0] in "125"
        # The drawing fills its holder, and its text keeps its size on a phone.
        holder = await page.page.locator("#burn-chart").bounding_box()
        drawn = await chart.bounding_box()
        assert abs(drawn["width"] - holder["width"]) <= 1
        assert abs(drawn["height"] - holder["height"]) <= 1
        card = await page.page.locator("[data-widget=daily-burn]").bounding_box()
        assert drawn["width"] >= card["width"] - 40
        size = await chart.locator("text.axis").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize) * e.getScreenCTM().a"
        )
        assert size >= 12
        await page.page.context.close()

    page = await open_page(chromium, demo_site.link)
    chart = page.page.locator("#burn-chart svg")
    box = await chart.bounding_box()
    # Hovering the middle of the chart names that day and its value.
    await page.page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] / 2)
    said = await page.page.locator("#burn-chart .crosshair-text").text_content() or ""
    shown_day = await chart.get_attribute("data-crosshair")
    point = next(p for p in days if said.startswith(f"{day(p['date'])}:"))
    assert shown_day == day(point["date"])
    assert said == f"{day(point['date'])}: {credits(point['credits'])} credits"
    # The keyboard: focus shows the last day, arrows move, a live region reads it out.
    await page.page.mouse.move(0, 0)
    await chart.focus()
    assert await chart.get_attribute("data-crosshair") == day(days[-1]["date"])
    await page.page.keyboard.press("ArrowLeft")
    expected = f"{day(days[-2]['date'])}: {credits(days[-2]['credits'])} credits"
    assert await page.page.locator("#burn-announce").inner_text() == expected
    await page.page.keyboard.press("Home")
    assert await chart.get_attribute("data-crosshair") == day(days[0]["date"])
    # The table alternative, reached with the keyboard.
    await page.page.keyboard.press("Tab")
    assert await page.page.evaluate("document.activeElement.tagName") == "SUMMARY"
    await page.page.keyboard.press("Enter")
    rows = await page.page.locator("#burn-rows tr").all_inner_texts()
    assert len(rows) == len(days)
    assert rows[0].split("\t") == [day(days[0]["date"]), credits(days[0]["credits"]),
                                   count(days[0]["messages"])]  # fmt: skip
    # The messages lens: whole numbers on the axis.
    await page.page.click("[data-metric=messages]")
    ticks_text = await page.page.locator("#burn-chart text.value-tick").all_text_contents()
    assert ticks_text and all(re.fullmatch(r"[\d,]+", t) for t in ticks_text), ticks_text
    assert page.errors == []


async def test_phone_rows_bars_and_the_skip_link(demo_site: DemoSite, chromium: Any) -> None:
    usage = await _usage(demo_site)
    page = await open_page(chromium, demo_site.link)
    # Phone conversations show the call's minutes, not "0 messages".
    cells = await page.page.locator("#activity-rows tr td:last-child").all_inner_texts()
    nodes = [e["node"] for e in usage["recentActivity"]["edges"]]
    assert any(n["channel"] == "PHONE" for n in nodes), "the demo's newest rows include a call"
    for node, cell in zip(nodes, cells, strict=True):
        if node["channel"] != "PHONE":
            assert cell == count(node["messages"])
            continue
        start = datetime.fromisoformat(node["startedAt"])
        end = datetime.fromisoformat(node["endedAt"] or node["lastActivityAt"])
        minutes = round((end - start).total_seconds() / 60)
        assert cell == ("<1 min" if (end - start).total_seconds() < 60 else f"{minutes} min")

    # The empty part of a bar stands out from the card by at least 3:1.
    for tile in await page.page.locator("[data-tile]").all():
        colours = await tile.evaluate(
            """t => { const bar = t.querySelector('.bar');
                      const fill = bar.querySelector('.bar-within');
                      return [getComputedStyle(t).backgroundColor,
                              getComputedStyle(bar).borderTopColor,
                              getComputedStyle(bar).backgroundColor,
                              getComputedStyle(fill).backgroundColor]; }"""
        )
        card, edge, track, fill = (rgb(c) for c in colours)
        assert contrast(edge, card) >= 3, colours
        assert contrast(fill, track) >= 3, colours

    # The skip link moves the focus to the main content, so Tab continues from there.
    await page.page.keyboard.press("Tab")
    assert await page.page.evaluate("document.activeElement.className") == "skip"
    await page.page.keyboard.press("Enter")
    assert await page.page.evaluate("document.activeElement.id") == "main"
    await page.page.keyboard.press("Tab")
    inside = await page.page.evaluate(
        "document.querySelector('main').contains(document.activeElement)"
    )
    assert inside


async def test_where_to_next_links_come_from_the_settings(
    demo_site: DemoSite, chromium: Any
) -> None:
    page = await open_page(chromium, demo_site.link)
    links = {
        name: await page.page.locator(f"nav[data-widget=next] a[data-link={name}]").get_attribute(
            "href"
        )
        for name in ("billing", "conversations", "campaigns")
    }
    assert links == {
        "billing": DEMO_LINKS["BURNRATE_LINK_BILLING"],
        "conversations": DEMO_LINKS["BURNRATE_LINK_CONVERSATIONS"],
        "campaigns": DEMO_LINKS["BURNRATE_LINK_CAMPAIGNS"],
    }
    assert await page.page.locator("nav[data-widget=next]").is_visible()
    credits_link = page.page.locator("[data-widget=summary] a[data-link=creditsExplained]")
    assert await credits_link.is_visible()
    assert await credits_link.get_attribute("href") == DEMO_LINKS["BURNRATE_LINK_CREDITS_EXPLAINED"]
    billing = page.page.locator("[data-widget=summary] a[data-link=billing]")
    assert await billing.get_attribute("href") == DEMO_LINKS["BURNRATE_LINK_BILLING"]
    assert len(page.graphql) == 1, "the links come with the page, not by another request"

    # Served without the settings, the same page on the same data shows none of them.
    async with demo_site.serve() as bare:
        plain = await open_page(chromium, f"{bare}/#key={demo_site.key}")
        assert await plain.page.locator("nav[data-widget=next]").is_hidden()
        assert await plain.page.locator("[data-widget=summary] [data-links]").is_hidden()
        assert await plain.page.locator("a[data-link]:visible").count() == 0
        await plain.page.context.close()
