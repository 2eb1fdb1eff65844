"""Property: the daily call peaks kept incrementally by each batch (models.calls) equal the
reference sweep (models.rules.health.peak_concurrency) for every local day, for all assistants
and per assistant, and equal a rebuild from scratch, row for row (base and slots too):
calls sent in any batches, spanning days and DST changes, ending exactly at a local midnight,
of no length, moved earlier by a later event, or shortened by an endedAt sent later. On
PostgreSQL the same holds when the batches race each other."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from tortoise.transactions import in_transaction

from models import CallPeak
from models.calls import ALL_ASSISTANTS, call_end, midnight, rebuild_call_peaks
from models.rules.health import Call, peak_concurrency
from models.rules.tz import local_date
from resolvers.ids import decode_id
from tests import world
from tests.api import Api
from tests.conftest import ON_POSTGRES

ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
#: Three days around New York's end of DST (Nov 1, 2026).
BASE = datetime(2026, 10, 30, 20, 0, tzinfo=UTC)
SPAN = 3 * 24 * 60
#: Local days checked from the day before BASE: every day a call can reach.
DAYS_CHECKED = 10


@dataclass(frozen=True)
class CallSpec:
    assistant: int
    start: int  # minutes after BASE
    later: tuple[tuple[int, int, bool], ...]  # (minutes from start, batch, sends endedAt)
    first_batch: int
    first_sends_end: bool
    #: None: no end; ("length", n): n minutes after the start; ("midnight", k): the k-th
    #: local midnight after the start.
    end: tuple[str, int] | None


calls = st.lists(
    st.builds(
        CallSpec,
        st.integers(0, 1),
        st.integers(0, SPAN),
        st.lists(
            st.tuples(st.integers(-600, 2000), st.integers(0, 2), st.booleans()), max_size=2
        ).map(tuple),
        st.integers(0, 2),
        st.booleans(),
        st.none()
        | st.tuples(st.just("length"), st.integers(0, 2000))
        | st.tuples(st.just("midnight"), st.integers(1, 2)),
    ),
    min_size=1,
    max_size=6,
)


def _ended(spec: CallSpec, tz: str) -> datetime | None:
    if spec.end is None:
        return None
    kind, n = spec.end
    started = BASE + timedelta(minutes=spec.start)
    if kind == "length":
        return started + timedelta(minutes=n)
    return midnight(local_date(started, tz) + timedelta(days=n), tz)


def _batches(specs: list[CallSpec], bots: list[str], tz: str) -> list[list[dict[str, Any]]]:
    """The events of every call, in three batches. An event sends the call's endedAt only
    when it is not before the call's earliest event in the same batch, so it is valid
    whatever the order the batches are stored in."""
    batches: list[list[tuple[int, datetime, bool, int]]] = [[], [], []]
    for n, spec in enumerate(specs):
        start = BASE + timedelta(minutes=spec.start)
        batches[spec.first_batch].append((n, start, spec.first_sends_end, 0))
        for k, (offset, index, sends) in enumerate(spec.later, start=1):
            batches[index].append((n, start + timedelta(minutes=offset), sends, k))
    out: list[list[dict[str, Any]]] = []
    for sent in batches:
        earliest: dict[int, datetime] = {}
        for n, at, _, _ in sent:
            earliest[n] = min(earliest.get(n, at), at)
        events = []
        for n, at, sends, k in sent:
            spec = specs[n]
            ended = _ended(spec, tz) if sends else None
            if ended is not None and ended < earliest[n]:
                ended = None
            events.append(
                world.event(f"call-{n}-{k}", world.iso(at), bots[spec.assistant], f"call-{n}",
                            channel="PHONE", contact=f"caller-{n}",
                            ended_at=world.iso(ended) if ended else None)
            )  # fmt: skip
        out.append(events)
    return [b for b in out if b]


def _expected(batches: list[list[dict[str, Any]]], bots: list[int], tz: str) -> dict[Any, int]:
    """(assistant or 0, local date) → peak, by the reference sweep over what was sent."""
    times: dict[str, list[datetime]] = defaultdict(list)
    ends: dict[str, list[datetime]] = defaultdict(list)
    owner: dict[str, int] = {}
    for event in (e for batch in batches for e in batch):
        key = event["conversation"]["externalId"]
        times[key].append(datetime.fromisoformat(event["occurredAt"]))
        if event["conversation"]["endedAt"]:
            ends[key].append(datetime.fromisoformat(event["conversation"]["endedAt"]))
        owner[key] = decode_id(event["assistantId"], "Assistant") or 0
    per_group: dict[int, list[Call]] = defaultdict(list)
    for key, at in times.items():
        started = min(at)
        call = Call(started, call_end(started, max(ends[key], default=None), max(at)))
        per_group[ALL_ASSISTANTS].append(call)
        per_group[owner[key]].append(call)
    first = local_date(BASE - timedelta(days=1), tz)
    expected: dict[Any, int] = {}
    for day in (first + timedelta(days=n) for n in range(DAYS_CHECKED)):
        window = (midnight(day, tz), midnight(day + timedelta(days=1), tz))
        for group, group_calls in per_group.items():
            peak = peak_concurrency(group_calls, *window)
            if peak:
                expected[(group, day)] = peak
    return expected


async def _stored(ws_pk: int) -> set[tuple[Any, ...]]:
    rows = await CallPeak.filter(workspace_id=ws_pk)
    return {(r.assistant_id, r.local_date, r.peak, r.base, r.slots) for r in rows}


async def _check(api: Api, specs: list[CallSpec], zone: str, concurrently: bool) -> None:
    ws = await world.workspace(api, f"Calls {zone}", timezone=zone)
    bots = [await world.assistant(api, ws, f"bot-{n}") for n in range(2)]
    ws_pk = decode_id(ws, "Workspace")
    assert ws_pk is not None
    batches = _batches(specs, bots, zone)
    if concurrently:
        await asyncio.gather(*(world.record(api, ws, batch) for batch in batches))
    else:
        for batch in batches:
            await world.record(api, ws, batch)
    kept = await _stored(ws_pk)
    expected = _expected(batches, [decode_id(b, "Assistant") or 0 for b in bots], zone)
    assert {(a, d): p for a, d, p, _, _ in kept} == expected
    async with in_transaction("default") as conn:
        await rebuild_call_peaks(conn, ws_pk, zone)
    assert await _stored(ws_pk) == kept


SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(specs=calls, zone=st.sampled_from(ZONES))
# A call ending exactly at a local midnight is on no later day; one of no length counts.
@example(
    specs=[
        CallSpec(0, 100, (), 0, True, ("midnight", 1)),
        CallSpec(1, 100, (), 1, True, ("length", 0)),
    ],
    zone="America/New_York",
)
# Sent without an end it lasts days; a later endedAt shortens it.
@example(specs=[CallSpec(0, 10, ((2000, 0, False), (5, 1, True)), 0, False, ("length", 30))],
         zone="UTC")  # fmt: skip
async def test_kept_peaks_match_the_reference_and_a_rebuild(
    api: Api, specs: list[CallSpec], zone: str
) -> None:
    await _check(api, specs, zone, concurrently=False)


@pytest.mark.skipif(not ON_POSTGRES, reason="real concurrency needs PostgreSQL")
@SETTINGS
@given(specs=calls, zone=st.sampled_from(ZONES))
async def test_racing_batches_keep_exact_peaks(api: Api, specs: list[CallSpec], zone: str) -> None:
    await _check(api, specs, zone, concurrently=True)


@pytest.mark.parametrize("zone", ZONES)
def test_the_days_checked_cover_every_day_a_call_can_reach(zone: str) -> None:
    """The latest instant: the latest start plus the longest of a later event, a length, or
    two local midnights (at most three days)."""
    latest = BASE + timedelta(minutes=SPAN) + max(timedelta(minutes=2000), timedelta(days=3))
    first = local_date(BASE - timedelta(days=1), zone)
    assert local_date(latest, zone) < first + timedelta(days=DAYS_CHECKED)
