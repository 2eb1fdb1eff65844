"""Property: for any set of events, sent in any batches and order, retried or not, the daily
rollup equals a recomputation from the ledger, and both equal one computed here in Python."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from resolvers.ids import decode_id
from tests import world
from tests.api import Api
from tests.rollups import Row, ledger_rollup, stored_rollup

ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
CHANNELS = ["WEB_CHAT", "WHATSAPP", "PHONE", "SMS"]
#: Around the 2026 end of DST in New York (Nov 1) and Lord Howe's start (Oct 4).
WINDOW_START = datetime(2026, 10, 3, tzinfo=UTC)
WINDOW_MINUTES = 40 * 24 * 60


@dataclass(frozen=True)
class Conv:
    assistant: int
    channel: str
    playground: bool


@dataclass(frozen=True)
class Ev:
    key: str
    conversation: int
    minute: int
    credits: Decimal
    messages: int
    voice: Decimal

    @property
    def at(self) -> datetime:
        return WINDOW_START + timedelta(minutes=self.minute)


amounts = st.decimals(min_value=0, max_value=500, places=4, allow_nan=False)
conversations = st.lists(
    st.builds(Conv, st.integers(0, 1), st.sampled_from(CHANNELS), st.booleans()),
    min_size=1,
    max_size=5,
)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    convs = draw(conversations)
    events = draw(
        st.lists(
            st.builds(
                Ev,
                st.sampled_from([f"k{i}" for i in range(30)]),
                st.integers(0, len(convs) - 1),
                st.integers(0, WINDOW_MINUTES),
                amounts,
                st.integers(0, 20),
                amounts,
            ),
            min_size=1,
            max_size=30,
        )
    )
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(events) - 1)), max_size=4)))
    batches = [events[a:b] for a, b in zip([0, *cuts], [*cuts, len(events)], strict=True)]
    batches = [b for b in batches if b]
    retries = draw(st.lists(st.integers(0, len(batches) - 1), max_size=2))
    all_batches = batches + [batches[i] for i in retries]
    return {
        "zone": draw(st.sampled_from(ZONES)),
        "new_zone": draw(st.none() | st.sampled_from(ZONES)),
        "conversations": convs,
        "batches": all_batches,
        # After which batch a batch reusing a stored key with other content is refused.
        "conflict_after": draw(st.none() | st.integers(0, len(all_batches) - 1)),
    }


def expected_rollup(scenario: dict[str, Any], assistants: list[int], zone: str) -> set[Row]:
    """The rollup from first principles: first event per key wins, days in `zone`."""
    tz = ZoneInfo(zone)
    accepted: dict[str, Ev] = {}
    for batch in world.as_retries(scenario["batches"], lambda e: e.key):
        for event in batch:
            accepted.setdefault(event.key, event)
    sums: dict[tuple[date, int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    starts: dict[int, datetime] = {}
    lasts: dict[int, datetime] = {}
    for event in accepted.values():
        starts[event.conversation] = min(starts.get(event.conversation, event.at), event.at)
        lasts[event.conversation] = max(lasts.get(event.conversation, event.at), event.at)
        conv: Conv = scenario["conversations"][event.conversation]
        if conv.playground:
            continue
        key = (event.at.astimezone(tz).date(), assistants[conv.assistant], conv.channel)
        sums[key][0] += int(event.credits * 10_000)
        sums[key][1] += event.messages
        sums[key][4] += int(event.voice * 10_000)
    for index, started in starts.items():
        conv = scenario["conversations"][index]
        if not conv.playground:
            sums[(started.astimezone(tz).date(), assistants[conv.assistant], conv.channel)][2] += 1
            last = lasts[index].astimezone(tz).date()
            sums[(last, assistants[conv.assistant], conv.channel)][5] += 1
    return {
        (d, a, c, credits, messages, started, queries, voice, last_active)
        for (d, a, c), (credits, messages, started, queries, voice, last_active) in sums.items()
    }


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
# Found by this test: a zero-valued event's day still has its (all-zero) rollup row. (The
# second "k0" is sent as a retry of the first: a key names one event.)
@example(
    scenario={
        "zone": "UTC",
        "new_zone": None,
        "conversations": [Conv(0, "WEB_CHAT", False)],
        "batches": [
            [
                Ev("k0", 0, 1440, Decimal(0), 0, Decimal(0)),
                Ev("k0", 0, 0, Decimal(0), 0, Decimal(0)),
                Ev("k1", 0, 0, Decimal(0), 0, Decimal(0)),
            ]
        ],
    }
)
async def test_rollup_equals_recomputation_from_the_ledger(
    api: Api, scenario: dict[str, Any]
) -> None:
    # A fresh workspace per example: examples share the function's database.
    await world.plan(api)
    data = await api.ok(
        world.CREATE_WORKSPACE,
        {"input": {"name": "Prop", "timezone": scenario["zone"], "planCode": "starter"}},
    )
    ws = data["createWorkspace"]["id"]
    ws_pk = decode_id(ws, "Workspace")
    assert ws_pk is not None
    bots = [await world.assistant(api, ws, f"bot-{i}") for i in range(2)]
    bot_pks = [decode_id(b, "Assistant") or 0 for b in bots]

    def payload(batch: list[Ev]) -> list[dict[str, Any]]:
        events = []
        for event in batch:
            conv: Conv = scenario["conversations"][event.conversation]
            events.append(
                world.event(
                    event.key,
                    world.iso(event.at),
                    bots[conv.assistant],
                    f"conv-{event.conversation}",
                    channel=conv.channel,
                    playground=conv.playground,
                    messages=event.messages,
                    credits=str(event.credits),
                    voice_minutes=str(event.voice),
                )
            )
        return events

    batches = world.as_retries(scenario["batches"], lambda e: e.key)
    for n, batch in enumerate(batches):
        await world.record(api, ws, payload(batch))
        if scenario.get("conflict_after") == n:
            # A new event and a stored key with other credits: refused, nothing stored.
            reused = replace(batch[0], credits=batch[0].credits + 1)
            fresh = replace(batch[0], key="never-stored")
            error = await api.error(
                world.RECORD_USAGE,
                {"input": {"workspaceId": ws, "events": payload([fresh, reused])}},
            )
            assert error["extensions"]["invalidEvents"][0]["field"] == "events[1].idempotencyKey"

    stored = await stored_rollup(ws_pk)
    assert stored == await ledger_rollup(ws_pk)
    assert stored == expected_rollup(scenario, bot_pks, scenario["zone"])

    if scenario["new_zone"] is not None:
        zone = scenario["new_zone"]
        await api.ok(world.UPDATE_WORKSPACE, {"input": {"id": ws, "timezone": zone}})
        stored = await stored_rollup(ws_pk)
        assert stored == await ledger_rollup(ws_pk)
        assert stored == expected_rollup(scenario, bot_pks, zone)
