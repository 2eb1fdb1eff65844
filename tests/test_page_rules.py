"""The Usage page's pure rules (web/format.js, view.js, errors.js, charts.js, tiles.js,
widgets.js) as table tests, run in Chromium on the modules the page itself loads."""

# ruff: noqa: E501 (a table reads better with a case a line)

from __future__ import annotations

from typing import Any

import pytest

from tests.demo_site import DemoSite

CASES: list[tuple[str, str, Any]] = [
    # Largest-remainder percentages: whole numbers that add up to 100.
    ("format", "m.percentages([1, 1, 1])", [34, 33, 33]),
    ("format", "m.percentages([1, 2])", [33, 67]),
    ("format", "m.percentages([999, 1])", [100, 0]),
    ("format", "m.percentages([0, 0])", [0, 0]),
    ("format", "m.percentages([2327, 1763, 1192, 876, 699, 278])", [32, 25, 17, 12, 10, 4]),
    ("format", "m.percentages([2, 2, 1, 1, 1])", [29, 29, 14, 14, 14]),
    # One number style (en-US here): credits with two places, counts none, "33%".
    ("format", "m.credits('1234.5')", "1,234.50"),
    ("format", "m.credits('0.005')", "0.01"),
    ("format", "m.count(54852)", "54,852"),
    ("format", "m.percent(33)", "33%"),
    ("format", "m.amount('5256.1', 'VOICE_MINUTES')", "5,256.10"),
    ("format", "m.amount('5', 'CHATBOTS')", "5"),
    ("format", "m.addDays('2026-03-01', -1)", "2026-02-28"),
    ("format", "m.span('2024-12-10', '2025-01-09')", "Dec 10, 2024 – Jan 9, 2025"),
    # A call's minutes: to its end, else to its last activity.
    ("format", "m.callMinutes('2026-01-01T10:00:00Z', '2026-01-01T10:07:29Z', null)", "7 min"),
    ("format", "m.callMinutes('2026-01-01T10:00:00Z', null, '2026-01-01T10:12:40Z')", "13 min"),
    ("format", "m.callMinutes('2026-01-01T10:00:00Z', '2026-01-01T10:00:30Z', null)", "<1 min"),
    # Dates: checked before anything is sent.
    ("view", "m.checkRange('2026-11-01', '2026-11-30', {max: '2026-12-05'})",
     {"range": {"start": "2026-11-01", "end": "2026-11-30"}}),
    ("view", "m.checkRange('2026-11-30', '2026-11-01').problem", "The start date is after the end date."),
    ("view", "m.checkRange('1999-12-31', '2026-11-01').problem",
     "Usage starts on Jan 1, 2000: pick a later date."),
    ("view", "m.checkRange('2026-11-01', '31202-01-01', {max: '2026-12-05'}).problem",
     "Dates can't be after today (Dec 5, 2026)."),
    ("view", "m.checkRange('2025-01-01', '2026-11-01').problem",
     "A range can be at most 366 days; this one has 670."),
    ("view", "m.checkRange('2025-01-01', '2026-01-01', {maxDays: 366})",
     {"range": {"start": "2025-01-01", "end": "2026-01-01"}}),
    ("view", "m.checkRange('2026-02-30', '2026-03-01').problem",
     "Enter dates as shown, for example Nov 10, 2026."),
    ("view", "m.checkRange('', '2026-03-01')", {"incomplete": True, "problem": "Enter a start date."}),
    # The view in the address bar: only what differs from the defaults; malformed parts dropped.
    ("view", "m.writeView({agent: 'QXM6MQ==', range: {start: '2026-11-01', end: '2026-11-30'},"
             " metric: 'messages'})",
     "?agent=QXM6MQ%3D%3D&start=2026-11-01&end=2026-11-30&metric=messages"),
    ("view", "m.writeView({agent: '', range: null, metric: 'credits'})", ""),
    ("view", "m.readView('?agent=QXM6MQ%3D%3D&start=2026-11-01&end=2026-11-30&metric=messages')",
     {"agent": "QXM6MQ==", "range": {"start": "2026-11-01", "end": "2026-11-30"},
      "metric": "messages"}),
    ("view", "m.readView('?start=2026-11-30&end=2026-11-01&metric=cost&key=br_x')",
     {"agent": "", "range": None, "metric": "credits"}),
    # What a failed load says, by code, and when it retries by itself.
    ("errors", "m.explain({code: 'RATE_LIMITED', retryAfter: 2.3})",
     {"text": "Too many requests, retrying in 3 s", "retryIn": 3}),
    ("errors", "m.explain({code: 'RATE_LIMITED', retryAfter: null})",
     {"text": "Too many requests, retrying in 1 s", "retryIn": 1}),
    ("errors", "m.explain({code: 'SERVICE_UNAVAILABLE', retryAfter: 1}, 3).retryIn", 8),
    ("errors", "m.explain({code: 'SERVICE_UNAVAILABLE', retryAfter: 1}, 9).retryIn", 32),
    ("errors", "m.explain({code: 'RATE_LIMITED', retryAfter: 900}).retryIn", 60),
    ("errors", "m.explain({code: 'NETWORK'}).retryIn", None),
    ("errors", "m.explain({code: 'FORBIDDEN'}).text",
     'This key may not read usage. Use "Change key" to enter a key with read access.'),
    ("errors", "m.explain({code: 'SOMETHING_NEW'}).text", "Something went wrong. Retry in a moment."),
    ("errors", "m.countdown({code: 'RATE_LIMITED'}, 2)", "Too many requests, retrying in 2 s"),
    # The chart's axis: round steps, the top the first multiple at or above the peak.
    ("charts", "m.niceScale(5300)", {"step": 2000, "top": 6000}),
    ("charts", "m.niceScale(100)", {"step": 25, "top": 100}),
    ("charts", "m.niceScale(0.3)", {"step": 0.1, "top": 0.3}),
    ("charts", "m.niceScale(7, {integer: true})", {"step": 2, "top": 8}),
    ("charts", "m.niceScale(0, {integer: true})", {"step": 1, "top": 4}),
    ("charts", "m.labelIndices(30, 4)", [0, 10, 19, 29]),
    ("charts", "m.labelIndices(1, 4)", [0]),
    # Tile bars: past the allotment the bar shows the overflow.
    ("tiles", "m.barParts(50, 200)", {"within": 25, "over": 0}),
    ("tiles", "m.barParts(322, 100).over.toFixed(2)", "68.94"),
    ("tiles", "m.barParts(0, 0)", {"within": 0, "over": 0}),
    ("tiles", "m.barParts(5, 0)", {"within": 0, "over": 100}),
    ("tiles", "m.STATUS_TEXT",
     {"OK": "OK", "WARNING": "Near limit", "CRITICAL": "At limit", "EXCEEDED": "Over limit"}),
    # Top assistants: the rest of the conversations in an "Other" row; shares add up to 100.
    ("widgets", "m.withOther([{conversations: 5}, {conversations: 3}], 10).map(r => [r.other || false, r.percent])",
     [[False, 50], [False, 30], [True, 20]]),
    ("widgets", "m.withOther([{conversations: 1}, {conversations: 1}, {conversations: 1}], 3).length", 3),
    ("widgets", "m.volume({channel: 'PHONE', messages: 0, startedAt: '2026-01-01T10:00:00Z',"
                " endedAt: '2026-01-01T10:04:00Z'})", "4 min"),
    ("widgets", "m.volume({channel: 'SMS', messages: 1234})", "1,234"),
]  # fmt: skip


@pytest.fixture(scope="module")
async def modules(demo_site: DemoSite, chromium: Any) -> Any:
    context = await chromium.new_context(locale="en-US", timezone_id="UTC")
    page = await context.new_page()
    await page.goto(f"{demo_site.base}/healthz")  # any page of the site: same-origin imports
    yield page
    await context.close()


@pytest.mark.parametrize(("module", "expression", "expected"), CASES)
async def test_page_rule(modules: Any, module: str, expression: str, expected: Any) -> None:
    got = await modules.evaluate(
        f"async () => {{ const m = await import('/{module}.js'); return {expression}; }}"
    )
    assert got == expected
