"""No stored value can break a later read (issue 11, item 1; SEMANTICS.md "Bounds").

The attacks of the issue, each refused or served, then every input at its extreme followed
by a read of every field of the Usage page and of the admin console, for that tenant and
for another one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models.rules.days import billing_period
from models.rules.units import MINOR_PER_UNIT
from tests import world
from tests.api import Api
from tests.conftest import Served
from tests.dashboard import CONSOLE, DASHBOARD
from tests.reads import FULL_PAGE, read_everything

INT32 = 2**31 - 1
BIGINT = 2**63 - 1
#: The most credits one event may carry when the setting is raised to what a 64-bit minor
#: unit column holds: two such events overflow a rollup row or a sum.
STORABLE = str(BIGINT // MINOR_PER_UNIT)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


async def assistant_at(api: Api, ws: str, external_id: str, **times: str | None) -> dict[str, Any]:
    data = await api.ok(
        world.UPSERT_ASSISTANT,
        {"input": {"workspaceId": ws, "externalId": external_id, "name": external_id, **times}},
    )
    result: dict[str, Any] = data["upsertAssistant"]
    return result


# ---- the attacks of the issue --------------------------------------------------------------


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00Z", "1999-12-31T23:59:59Z"])
@pytest.mark.parametrize(
    ("mutation", "field"),
    [
        ("assistant", "createdAt"),
        ("teamMember", "joinedAt"),
        ("phoneNumber", "activatedAt"),
        ("event", "occurredAt"),
    ],
)
async def test_an_instant_before_2000_is_refused_and_every_page_still_reads(
    api: Api, mutation: str, field: str, instant: str
) -> None:
    ws = await world.workspace(api, "Target")
    other = await world.workspace(api, "Bystander")
    bot = await world.assistant(api, ws)
    documents = {
        "assistant": (world.UPSERT_ASSISTANT, {"externalId": "x", "name": "X"}),
        "teamMember": (world.UPSERT_TEAM_MEMBER, {"externalId": "m"}),
        "phoneNumber": (world.UPSERT_PHONE_NUMBER, {"number": "+14155550123"}),
    }
    if mutation == "event":
        variables = {"input": {"workspaceId": ws, "events": [world.event("k", instant, bot)]}}
        document = world.RECORD_USAGE
    else:
        document, fields = documents[mutation]
        variables = {"input": {"workspaceId": ws, **fields, field: instant}}
    error = await api.error(document, variables)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert field in error["message"] and "2000-01-01" in error["message"]
    for workspace in (ws, other):
        await api.ok(DASHBOARD, {"id": workspace})
    await api.ok(CONSOLE, {"first": 20})


async def test_message_counts_past_32_bits_are_served_as_bigint(api: Api) -> None:
    """The issue's pair (2,147,483,647 and 1) is now refused: one event carries at most
    1,000,000 messages. Sums past 2^31 of allowed events are served exactly as BigInt."""
    ws = await world.workspace(api, timezone="UTC")
    bot = await world.assistant(api, ws)
    at = world.iso(now() - timedelta(hours=1))
    error = await api.error(
        world.RECORD_USAGE,
        {"input": {"workspaceId": ws, "events": [
            world.event("a", at, bot, messages=INT32), world.event("b", at, bot, messages=1),
        ]}},
    )  # fmt: skip
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [e["field"] for e in error["extensions"]["invalidEvents"]] == ["events[0].messages"]
    for batch in range(3):
        events = [
            world.event(f"b{batch}-{i}", at, bot, f"c{batch}-{i}", messages=1_000_000)
            for i in range(1000)
        ]
        await world.record(api, ws, events)
    page = await api.ok(DASHBOARD, {"id": ws})
    usage = page["workspace"]["usage"]
    assert usage["summary"]["messages"] == 3_000_000_000
    assert usage["summary"]["conversations"] == 3000
    assert sum(p["messages"] for p in usage["dailyBurn"]) == 3_000_000_000
    assert usage["topAssistants"][0]["messages"] == 3_000_000_000
    edges = usage["recentActivity"]["edges"]
    assert edges and all(e["node"]["messages"] == 1_000_000 for e in edges)


async def test_a_run_out_far_beyond_the_period_is_null(api: Api) -> None:
    """10,000,000 credits with 15 used late in the period: the run-out lies past year 9999."""
    today = datetime.now(UTC).date()
    anchor = today.day + 1 if today.day < 28 else 1
    start, _ = billing_period(today, anchor)
    assert (today - start).days + 1 >= 15
    await world.plan(api, "huge", [{"creditType": "CREDITS", "perPeriod": "10000000"}])
    created = await api.ok(
        world.CREATE_WORKSPACE,
        {"input": {"name": "Huge", "timezone": "UTC", "planCode": "huge",
                   "billingAnchorDay": anchor}},
    )  # fmt: skip
    ws = created["createWorkspace"]["id"]
    bot = await world.assistant(api, ws)
    at = world.iso(
        max(now() - timedelta(hours=1), datetime.combine(start, datetime.min.time(), UTC))
    )
    await world.record(api, ws, [world.event("k", at, bot, credits="15")])
    page = await api.ok(DASHBOARD, {"id": ws})
    (tile,) = page["workspace"]["usage"]["tiles"]
    assert tile["used"] == "15"
    assert tile["forecast"]["depletesOn"] is None
    await api.ok(CONSOLE, {"first": 20})


# ---- 64-bit totals: sums exact, overflowing writes refused ---------------------------------


@pytest.fixture
async def storable(served: Served, admin_key: str) -> AsyncIterator[Api]:
    """The API of a server whose per-event setting is raised to the most a 64-bit column
    holds, so that two events reach the limits the default setting reaches after ~922,000
    events (docs/decisions.md)."""
    async with served(max_event_amount=BIGINT) as client:
        yield Api(client, admin_key)


async def test_totals_past_64_bits_are_summed_exactly(storable: Api) -> None:
    """Two rollup rows of 2^63 − 1 minor units each: SQLite's SUM() would raise "integer
    overflow" and fail this page and the console of every tenant."""
    api = storable
    ws = await world.workspace(api, timezone="UTC")
    other = await world.workspace(api, "Bystander")
    bot = await world.assistant(api, ws)
    at = world.iso(now() - timedelta(hours=1))
    events = [
        world.event(key, at, bot, key, channel=channel, credits=STORABLE, voice_minutes=STORABLE)
        for key, channel in (("a", "SMS"), ("b", "PHONE"))
    ]
    await world.record(api, ws, events)
    twice = str(2 * int(STORABLE))
    page = await api.ok(DASHBOARD, {"id": ws})
    usage = page["workspace"]["usage"]
    assert usage["summary"]["creditsUsed"] == twice
    credits_tile = next(t for t in usage["tiles"] if t["creditType"] == "CREDITS")
    voice_tile = next(t for t in usage["tiles"] if t["creditType"] == "VOICE_MINUTES")
    assert credits_tile["used"] == voice_tile["used"] == twice
    assert usage["topAssistants"][0]["credits"] == twice
    assert sum(int(p["credits"]) for p in usage["dailyBurn"]) == 2 * int(STORABLE)
    await api.ok(DASHBOARD, {"id": other})
    console = await api.ok(CONSOLE, {"first": 20})
    assert len(console["workspaces"]["edges"]) == 2


async def test_a_write_that_would_overflow_a_rollup_row_is_refused(storable: Api) -> None:
    """PostgreSQL refuses the increment ("bigint out of range"); SQLite would store a float.
    Either way the write is BAD_USER_INPUT, nothing of it is stored, and reads hold."""
    api = storable
    ws = await world.workspace(api, timezone="UTC")
    bot = await world.assistant(api, ws)
    at = world.iso(now() - timedelta(hours=1))
    await world.record(api, ws, [world.event("a", at, bot, "c1", credits=STORABLE)])
    for events in (
        [world.event("b", at, bot, "c1", credits="1")],
        [world.event("b", at, bot, "c2", voice_minutes=STORABLE),
         world.event("c", at, bot, "c3", voice_minutes=STORABLE)],
    ):  # fmt: skip
        error = await api.error(
            world.RECORD_USAGE, {"input": {"workspaceId": ws, "events": events}}
        )
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "too large" in error["message"]
    page = await api.ok(DASHBOARD, {"id": ws})
    assert page["workspace"]["usage"]["summary"]["creditsUsed"] == STORABLE
    assert page["workspace"]["usage"]["summary"]["messages"] == 1


async def test_a_time_zone_change_that_would_overflow_a_day_is_refused(storable: Api) -> None:
    """Two UTC days, each at 60 % of the limit, become one day in UTC−1: the rebuilt rollup
    row would pass 2^63. The change is refused and the workspace stays as it was."""
    api = storable
    ws = await world.workspace(api, timezone="UTC")
    bot = await world.assistant(api, ws)
    day = now().date() - timedelta(days=3)
    late = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=23, minutes=30)
    share = str(int(int(STORABLE) * 0.6))
    await world.record(api, ws, [
        world.event("a", world.iso(late), bot, "c1", credits=share),
        world.event("b", world.iso(late + timedelta(hours=1)), bot, "c2", credits=share),
    ])  # fmt: skip
    error = await api.error(world.UPDATE_WORKSPACE, {"input": {"id": ws, "timezone": "Etc/GMT+1"}})
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "too large" in error["message"]
    page = await api.ok(
        DASHBOARD, {"id": ws, "range": {"start": str(day), "end": str(day + timedelta(days=1))}}
    )
    usage = page["workspace"]["usage"]
    assert usage["range"]["timezone"] == "UTC"
    assert [p["credits"] for p in usage["dailyBurn"]] == [share, share]


# ---- every input at its extreme, then every field read -------------------------------------

#: 200 characters (the longest accepted) of what text may hold: astral characters, the
#: highest code point, and tab, line feed and carriage return.
LONGEST = ("\t\n\r😀\U0010ffffé" * 40)[:200]
EARLIEST = "2000-01-01T00:00:00Z"
LATEST = "2100-12-31T23:59:59.999999Z"
MOST = "1000000000"


def longest(prefix: str) -> str:
    return (prefix + LONGEST)[:200]


def extreme_event(
    key: str, bot: str, i: int, occurred_at: str, ended_at: str | None
) -> dict[str, Any]:
    """An event with every amount at its most and every text at its longest."""
    return {
        "idempotencyKey": longest(key),
        "occurredAt": occurred_at,
        "assistantId": bot,
        "conversation": {
            "externalId": longest(f"c{key}"),
            "channel": ("PHONE", "WEB_CHAT", "TELEGRAM", "SMS")[i % 4],
            "type": ("INBOUND", "OUTBOUND")[i % 2],
            "contact": {"externalId": longest(f"p{i % 7}"), "displayName": LONGEST},
            "playground": i % 20 == 19,
            "endedAt": ended_at,
        },
        "messages": 1_000_000,
        "credits": MOST,
        "textQueries": 1_000_000,
        "voiceMinutes": MOST,
    }


async def extreme_world(api: Api, timezone: str, anchor: int, tag: str) -> str:
    grants = [
        {"creditType": t, "perPeriod": MOST}
        for t in ("CREDITS", "TEXT_QUERIES", "VOICE_MINUTES", "CONCURRENT_CALLS",
                  "PHONE_NUMBERS", "HUMAN_AGENT_SEATS", "CHATBOTS", "TEAM_MEMBERS")
    ]  # fmt: skip
    code = ("p" + tag + "-_." + "z" * 64)[:64]
    await api.ok(
        world.UPSERT_PLAN, {"input": {"code": code, "name": longest(tag), "grants": grants}}
    )
    created = await api.ok(
        world.CREATE_WORKSPACE,
        {"input": {"name": longest(tag), "timezone": timezone, "planCode": code,
                   "billingAnchorDay": anchor}},
    )  # fmt: skip
    ws: str = created["createWorkspace"]["id"]
    oldest = await assistant_at(api, ws, longest(tag + "a"), createdAt=EARLIEST, archivedAt=LATEST)
    await assistant_at(api, ws, longest(tag + "b"), createdAt=EARLIEST, archivedAt=EARLIEST)
    newest = await assistant_at(api, ws, longest(tag + "c"))
    for n, (joined, removed) in enumerate([(EARLIEST, LATEST), (EARLIEST, EARLIEST), (None, None)]):
        await api.ok(world.UPSERT_TEAM_MEMBER, {"input": {
            "workspaceId": ws, "externalId": longest(f"{tag}m{n}"), "displayName": LONGEST,
            "agentSeat": n != 1, "joinedAt": joined, "removedAt": removed,
        }})  # fmt: skip
    for number, (active, released) in (
        ("+999999999999999", (EARLIEST, LATEST)),
        ("+1000000", (EARLIEST, EARLIEST)),
    ):
        await api.ok(world.UPSERT_PHONE_NUMBER, {"input": {
            "workspaceId": ws, "number": number, "activatedAt": active, "releasedAt": released,
        }})  # fmt: skip
    today = datetime.now(UTC).date()
    for n, (credit_type, amount, effective) in enumerate([
        ("CREDITS", MOST, "2000-01-01"), ("CREDITS", MOST, "2100-12-31"),
        ("VOICE_MINUTES", "0.0001", str(today)), ("TEXT_QUERIES", MOST, str(today)),
    ]):  # fmt: skip
        await api.ok(world.GRANT_TOP_UP, {"input": {
            "workspaceId": ws, "idempotencyKey": longest(f"{tag}t{n}"), "creditType": credit_type,
            "amount": amount, "effectiveOn": effective,
        }})  # fmt: skip
    latest_event = world.iso(datetime.now(UTC) + timedelta(seconds=200))
    times = [(EARLIEST, EARLIEST), ("2000-01-01T00:00:00.000001Z", None),
             (latest_event, latest_event)]  # fmt: skip
    bots = [oldest["id"], newest["id"]]
    for batch in range(3):
        events = [
            extreme_event(f"{tag}{batch}-{i}", bots[i % 2], i, *times[min(i % 20, 2)])
            for i in range(1000)
        ]
        await world.record(api, ws, events)
    return ws


RANGES: list[dict[str, str] | None] = [
    None,
    {"start": "2000-01-01", "end": "2000-12-31"},
    {"start": "2100-01-01", "end": "2100-12-31"},
]


async def test_every_extreme_input_is_stored_and_every_field_reads(api: Api) -> None:
    east = await extreme_world(api, "Pacific/Kiritimati", 31, "e")
    west = await extreme_world(api, "Etc/GMT+12", 1, "w")
    today = datetime.now(UTC).date()
    ranges = [*RANGES, {"start": str(today - timedelta(days=365)), "end": str(today)}]
    for ws in (east, west):
        for day_range in ranges:
            await read_everything(api, ws, day_range)
    page = await api.ok(FULL_PAGE, {"id": east, "range": None, "agent": None,
                                    "after": None, "by": "MESSAGES"})  # fmt: skip
    usage = page["workspace"]["usage"]
    summary = usage["summary"]
    assert summary["messages"] > INT32 and isinstance(summary["messages"], int)
    assert summary["messages"] == sum(p["messages"] for p in usage["dailyBurn"])
    assert summary["messages"] == sum(a["messages"] for a in usage["topAssistants"])
    console = await api.ok(CONSOLE, {"first": 20})
    assert len(console["workspaces"]["edges"]) == 2
    # A new time zone re-dates everything; the extremes still read afterwards.
    await api.ok(world.UPDATE_WORKSPACE, {"input": {"id": east, "timezone": "Etc/GMT+12"}})
    await read_everything(api, east, ranges[1])
    await read_everything(api, west, None)
