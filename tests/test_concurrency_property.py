"""Property: the CONCURRENT_CALLS tile (a window-function sweep in SQL, on SQLite and
PostgreSQL) equals the reference sweep in models.rules.health for random calls, including calls
that straddle the period's start, have no length, or send no end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from models.rules.days import days_bounds
from models.rules.health import Call, peak_concurrency
from tests import world
from tests.api import Api

#: The billing period (anchor 1, UTC) is October 2026; calls start from Sep 30 22:00.
BASE = datetime(2026, 9, 30, 22, 0, tzinfo=UTC)

calls = st.lists(
    st.tuples(
        st.integers(0, 240),  # start, minutes after BASE
        st.none() | st.integers(0, 90),  # endedAt after the start, or none sent
        st.integers(0, 60),  # a later event's offset (lastActivityAt), 0: a single event
    ),
    min_size=0,
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=calls)
@example(spec=[(0, 120, 0), (120, 0, 0), (120, 30, 0)])  # straddles Oct 1 00:00
@example(spec=[(130, 10, 0), (140, 10, 0), (140, 0, 0), (150, None, 5)])
async def test_concurrent_calls_tile_matches_the_reference_sweep(
    api: Api, spec: list[tuple[int, int | None, int]]
) -> None:
    await world.plan(api, "calls", [{"creditType": "CONCURRENT_CALLS", "perPeriod": "5"}])
    created = await api.ok(
        world.CREATE_WORKSPACE,
        {"input": {"name": "Calls", "timezone": "UTC", "planCode": "calls"}},
    )
    ws = created["createWorkspace"]["id"]
    bot = await world.assistant(api, ws)
    events: list[dict[str, Any]] = []
    reference: list[Call] = []
    for n, (start, length, later) in enumerate(spec):
        started = BASE + timedelta(minutes=start)
        ended = None if length is None else started + timedelta(minutes=length)
        last = started + timedelta(minutes=later)
        for k, at in enumerate({started, last}):
            events.append(
                world.event(
                    f"call-{n}-{k}",
                    world.iso(at),
                    bot,
                    f"call-{n}",
                    channel="PHONE",
                    contact=f"caller-{n}",
                    ended_at=world.iso(ended) if ended else None,
                )
            )
        reference.append(Call(started, ended if ended is not None else last))
    if events:
        await world.record(api, ws, events)

    query = """query($id: ID!) { workspace(id: $id) {
      usage(range: {start: "2026-10-01", end: "2026-10-15"}) { tiles { creditType used } } } }"""
    tiles = (await api.ok(query, {"id": ws}))["workspace"]["usage"]["tiles"]
    window = days_bounds(datetime(2026, 10, 1).date(), datetime(2026, 10, 31).date(), "UTC")
    assert tiles == [
        {"creditType": "CONCURRENT_CALLS", "used": str(peak_concurrency(reference, *window))}
    ]


async def test_a_call_that_gets_shorter_leaves_the_days_it_no_longer_covers(api: Api) -> None:
    """Sent without an end, a call lasts until its last activity; an endedAt sent later
    shortens it, and the days it no longer reaches lose it."""
    await world.plan(api, "calls", [{"creditType": "CONCURRENT_CALLS", "perPeriod": "5"}])
    created = await api.ok(
        world.CREATE_WORKSPACE,
        {"input": {"name": "Calls", "timezone": "UTC", "planCode": "calls"}},
    )
    ws = created["createWorkspace"]["id"]
    bot = await world.assistant(api, ws)
    long_call = [
        world.event("a1", "2026-10-10T10:00:00Z", bot, "long", channel="PHONE"),
        world.event("a2", "2026-10-12T10:00:00Z", bot, "long", channel="PHONE"),
    ]
    other = [world.event("b1", "2026-10-11T10:00:00Z", bot, "other", channel="PHONE",
                         contact="someone", ended_at="2026-10-11T10:30:00Z")]  # fmt: skip
    await world.record(api, ws, long_call + other)
    query = """query($id: ID!, $start: Date!, $end: Date!) { workspace(id: $id) {
      usage(range: {start: $start, end: $end}) { tiles { used } } } }"""

    async def peak() -> str:
        # The billing period is October; the tile reads the period's days.
        data = await api.ok(query, {"id": ws, "start": "2026-10-01", "end": "2026-10-31"})
        return str(data["workspace"]["usage"]["tiles"][0]["used"])

    assert await peak() == "2"  # on Oct 11 both calls are active
    await world.record(
        api,
        ws,
        [world.event("a3", "2026-10-10T10:05:00Z", bot, "long", channel="PHONE",
                     ended_at="2026-10-10T10:20:00Z")],
    )  # fmt: skip
    assert await peak() == "1"
