"""`Workspace.usage`, figure by figure, against a hand-computed scenario (SEMANTICS.md).

The workspace is in America/New_York; the range 2026-10-30..2026-11-03 spans the end of
daylight saving time on 2026-11-01, and several events sit just before or after a local
midnight, so a figure bucketed by the wrong day or offset fails here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from models.rules.enums import Scope
from tests import world
from tests.api import Api
from tests.dashboard import CONSOLE, DASHBOARD
from tests.forecasts import expected_forecast

NY = ZoneInfo("America/New_York")
RANGE = {"start": "2026-10-30", "end": "2026-11-03"}
GRANTS = {
    "CREDITS": "20",
    "TEXT_QUERIES": "2",
    "VOICE_MINUTES": "5.5",
    "CONCURRENT_CALLS": "2",
    "PHONE_NUMBERS": "2",
    "HUMAN_AGENT_SEATS": "1",
    "CHATBOTS": "3",
    "TEAM_MEMBERS": "4",
}


@dataclass
class Scenario:
    ws: str
    alpha: str
    beta: str
    gamma: str


def ev(
    key: str, bot: str, conv: str, channel: str, at: str, messages: int, credits: str, **more: Any
) -> dict[str, Any]:
    return world.event(
        key, at, bot, conv, channel=channel, contact=f"p-{conv}", messages=messages,
        credits=credits, **more,
    )  # fmt: skip


async def build(api: Api) -> Scenario:
    await world.plan(
        api, "full", [{"creditType": t, "perPeriod": amount} for t, amount in GRANTS.items()]
    )
    created = await api.ok(
        world.CREATE_WORKSPACE,
        {"input": {"name": "Acme", "timezone": "America/New_York", "planCode": "full"}},
    )
    ws = created["createWorkspace"]["id"]
    alpha = await world.assistant(api, ws, "alpha", "Alpha")
    beta = await world.assistant(api, ws, "beta", "Beta")
    gamma = (
        await api.ok(
            world.UPSERT_ASSISTANT,
            {
                "input": {
                    "workspaceId": ws,
                    "externalId": "gamma",
                    "name": "Gamma",
                    "createdAt": "2026-01-01T00:00:00Z",
                    "archivedAt": "2026-10-31T12:00:00Z",
                }
            },
        )
    )["upsertAssistant"]["id"]
    A, B = alpha, beta
    events = [
        ev("e0", A, "a0", "WEB_CHAT", "2026-10-29T12:00:00Z", 1, "1"),  # Oct 29: before range
        ev("e1", A, "a0", "WEB_CHAT", "2026-10-30T12:00:00Z", 2, "1.5"),  # Oct 30
        ev("e2", A, "a1", "WEB_CHAT", "2026-10-30T14:00:00Z", 3, "2"),  # Oct 30
        ev("e3", A, "a1", "WEB_CHAT", "2026-11-01T03:30:00Z", 1, "1"),  # 23:30 EDT Oct 31
        ev("e4", B, "b1", "PHONE", "2026-11-01T05:30:00Z", 0, "4", voice_minutes="3.5",
           ended_at="2026-11-01T06:30:00Z"),  # 01:30 EDT Nov 1
        ev("e5", B, "b2", "PHONE", "2026-11-01T06:00:00Z", 0, "2", voice_minutes="1.25",
           ended_at="2026-11-01T06:10:00Z"),  # 01:00 EST Nov 1, during b1
        ev("e6", A, "a2", "SMS", "2026-11-03T12:00:00Z", 2, "0.5", text_queries=2),  # Nov 3
        ev("e7", B, "b3", "WHATSAPP", "2026-11-04T04:30:00Z", 1, "1"),  # 23:30 EST Nov 3
        ev("e8", B, "b4", "WHATSAPP", "2026-11-04T05:30:00Z", 1, "10"),  # 00:30 EST Nov 4
        ev("p1", A, "p1", "WEB_CHAT", "2026-11-02T12:00:00Z", 5, "100", text_queries=5,
           playground=True),  # never counted
    ]  # fmt: skip
    await world.record(api, ws, events)
    for key, credit_type, amount, day in (
        ("t1", "CREDITS", "5", "2026-11-10"),
        ("t0", "CREDITS", "100", "2026-10-15"),  # the previous period
    ):
        await api.ok(
            world.GRANT_TOP_UP,
            {
                "input": {
                    "workspaceId": ws,
                    "idempotencyKey": key,
                    "creditType": credit_type,
                    "amount": amount,
                    "effectiveOn": day,
                }
            },
        )
    for number, released in (("+12125550100", None), ("+12125550101", "2026-11-05T00:00:00Z")):
        await api.ok(
            world.UPSERT_PHONE_NUMBER,
            {
                "input": {
                    "workspaceId": ws,
                    "number": number,
                    "activatedAt": "2026-10-01T00:00:00Z",
                    "releasedAt": released,
                }
            },
        )
    for external_id, seat, removed in (
        ("m1", True, None),
        ("m2", False, None),
        ("m3", True, "2026-11-10T00:00:00Z"),
    ):
        await api.ok(
            world.UPSERT_TEAM_MEMBER,
            {
                "input": {
                    "workspaceId": ws,
                    "externalId": external_id,
                    "agentSeat": seat,
                    "joinedAt": "2026-10-01T00:00:00Z",
                    "removedAt": removed,
                }
            },
        )
    return Scenario(ws, alpha, beta, gamma)


@pytest.fixture
async def scenario(api: Api) -> Scenario:
    return await build(api)


async def usage(api: Api, scenario: Scenario, **variables: Any) -> dict[str, Any]:
    data = await api.ok(DASHBOARD, {"id": scenario.ws, "range": RANGE} | variables)
    result: dict[str, Any] = data["workspace"]["usage"]
    return result


async def test_range_summary_and_has_data(api: Api, scenario: Scenario) -> None:
    before = datetime.now(UTC)
    u = await usage(api, scenario)
    assert u["range"] == {
        "start": "2026-10-30",
        "end": "2026-11-03",
        "days": 5,
        "timezone": "America/New_York",
    }
    assert u["agent"] is None
    assert u["hasData"] is True
    assert before <= datetime.fromisoformat(u["asOf"]) <= datetime.now(UTC)
    assert u["summary"] == {
        "creditsUsed": "12",
        "messages": 9,
        "conversations": 5,
        # At the end of Nov 3 (local): Gamma was archived on Oct 31.
        "chatbotsUsed": {"used": 2, "available": 3},
        # m3 is removed only on Nov 10.
        "teamMembersUsed": {"used": 3, "available": 4},
    }


async def test_daily_burn_has_every_day_with_zeros_and_local_dates(
    api: Api, scenario: Scenario
) -> None:
    u = await usage(api, scenario)
    assert u["dailyBurn"] == [
        {"date": "2026-10-30", "credits": "3.5", "messages": 5, "conversations": 1},
        {"date": "2026-10-31", "credits": "1", "messages": 1, "conversations": 0},
        {"date": "2026-11-01", "credits": "6", "messages": 0, "conversations": 2},
        {"date": "2026-11-02", "credits": "0", "messages": 0, "conversations": 0},
        {"date": "2026-11-03", "credits": "1.5", "messages": 3, "conversations": 2},
    ]


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("CONVERSATIONS", [("Beta", 3, 1, "7", 0.6), ("Alpha", 2, 8, "5", 0.4)]),
        ("MESSAGES", [("Alpha", 2, 8, "5", 8 / 9), ("Beta", 3, 1, "7", 1 / 9)]),
        ("CREDITS", [("Beta", 3, 1, "7", 7 / 12), ("Alpha", 2, 8, "5", 5 / 12)]),
    ],
)
async def test_top_assistants(
    api: Api, scenario: Scenario, by: str, expected: list[tuple[Any, ...]]
) -> None:
    query = """query($id: ID!, $range: DateRangeInput, $by: VolumeMetric!, $limit: Int!) {
      workspace(id: $id) { usage(range: $range) { topAssistants(limit: $limit, by: $by) {
        assistant { name } conversations messages credits share } } } }"""
    data = await api.ok(query, {"id": scenario.ws, "range": RANGE, "by": by, "limit": 5})
    ranked = data["workspace"]["usage"]["topAssistants"]
    got = [
        (r["assistant"]["name"], r["conversations"], r["messages"], r["credits"], r["share"])
        for r in ranked
    ]
    assert [g[:4] for g in got] == [e[:4] for e in expected]
    assert [g[4] for g in got] == pytest.approx([e[4] for e in expected])
    one = await api.ok(query, {"id": scenario.ws, "range": RANGE, "by": by, "limit": 1})
    assert len(one["workspace"]["usage"]["topAssistants"]) == 1


async def test_top_assistants_ties_go_by_name(api: Api) -> None:
    ws = await world.workspace(api)
    bots = {name: await world.assistant(api, ws, name) for name in ("zed", "amy", "kim")}
    await world.record(
        api,
        ws,
        [world.event(f"k-{n}", "2026-11-02T15:00:00Z", b, f"c-{n}") for n, b in bots.items()],
    )
    query = """query($id: ID!) { workspace(id: $id) { usage(range: {start: "2026-11-01",
      end: "2026-11-05"}) { topAssistants { assistant { name } share } } } }"""
    ranked = (await api.ok(query, {"id": ws}))["workspace"]["usage"]["topAssistants"]
    assert [r["assistant"]["name"] for r in ranked] == [
        "Assistant amy",
        "Assistant kim",
        "Assistant zed",
    ]
    assert sum(r["share"] for r in ranked) == pytest.approx(1)


async def test_by_channel(api: Api, scenario: Scenario) -> None:
    u = await usage(api, scenario)
    assert u["byChannel"] == [
        {"channel": "PHONE", "conversations": 2, "share": 0.4},
        {"channel": "WEB_CHAT", "conversations": 1, "share": 0.2},
        {"channel": "WHATSAPP", "conversations": 1, "share": 0.2},
        {"channel": "SMS", "conversations": 1, "share": 0.2},
    ]
    assert sum(c["share"] for c in u["byChannel"]) == pytest.approx(1)


async def test_recent_activity_pages_newest_first(api: Api, scenario: Scenario) -> None:
    query = """query($id: ID!, $range: DateRangeInput, $after: String) { workspace(id: $id) {
      usage(range: $range) { recentActivity(first: 4, after: $after) {
        totalCount edges { node { externalId when type channel messages
          assistant { name } contact { externalId } } }
        pageInfo { hasNextPage hasPreviousPage endCursor } } } } }"""
    first = (await api.ok(query, {"id": scenario.ws, "range": RANGE}))["workspace"]["usage"]
    page = first["recentActivity"]
    assert page["totalCount"] == 6
    assert [e["node"]["externalId"] for e in page["edges"]] == ["b3", "a2", "b2", "b1"]
    top = page["edges"][0]["node"]
    assert top == {
        "externalId": "b3",
        "when": "2026-11-04T04:30:00+00:00",
        "type": "INBOUND",
        "channel": "WHATSAPP",
        "messages": 1,
        "assistant": {"name": "Beta"},
        "contact": {"externalId": "p-b3"},
    }
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    rest = await api.ok(query, {"id": scenario.ws, "range": RANGE, "after": after})
    page = rest["workspace"]["usage"]["recentActivity"]
    assert [e["node"]["externalId"] for e in page["edges"]] == ["a1", "a0"]
    assert page["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "endCursor": page["pageInfo"]["endCursor"],
    }


async def test_recent_activity_ties_on_time_go_by_newest_id(api: Api) -> None:
    ws = await world.workspace(api)
    bot = await world.assistant(api, ws)
    same = "2026-11-02T15:00:00Z"
    for n in range(5):
        await world.record(api, ws, [world.event(f"k{n}", same, bot, f"c{n}")])
    query = """query($id: ID!, $after: String) { workspace(id: $id) { usage(range:
      {start: "2026-11-02", end: "2026-11-02"}) { recentActivity(first: 2, after: $after) {
      edges { node { externalId } } pageInfo { endCursor hasNextPage } } } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = (await api.ok(query, {"id": ws, "after": after}))["workspace"]["usage"]
        activity = page["recentActivity"]
        seen += [e["node"]["externalId"] for e in activity["edges"]]
        if not activity["pageInfo"]["hasNextPage"]:
            break
        after = activity["pageInfo"]["endCursor"]
    assert seen == ["c4", "c3", "c2", "c1", "c0"]


async def test_tiles(api: Api, scenario: Scenario) -> None:
    u = await usage(api, scenario)
    tiles = {t["creditType"]: t for t in u["tiles"]}
    assert list(tiles) == list(GRANTS)  # enum order
    period = {"start": "2026-11-01", "end": "2026-11-30"}
    assert all(t["period"] == period for t in u["tiles"])
    got = {k: (t["used"], t["allotted"], t["remaining"], t["status"]) for k, t in tiles.items()}
    assert got == {
        # Nov 1-30 local: e4..e8; a top-up of 5 on Nov 10, none from October.
        "CREDITS": ("17.5", "25", "7.5", "OK"),
        "TEXT_QUERIES": ("2", "2", "0", "CRITICAL"),
        "VOICE_MINUTES": ("4.75", "5.5", "0.75", "WARNING"),
        # b1 01:30 EDT-02:30 EDT overlaps b2.
        "CONCURRENT_CALLS": ("2", "2", "0", "CRITICAL"),
        # At the period's reference instant (now, or Dec 1): one number released on Nov 5.
        "PHONE_NUMBERS": ("1", "2", "1", "OK"),
        "HUMAN_AGENT_SEATS": ("1", "1", "0", "CRITICAL"),
        "CHATBOTS": ("2", "3", "1", "OK"),
        "TEAM_MEMBERS": ("2", "4", "2", "OK"),
    }
    assert tiles["CREDITS"]["ratio"] == pytest.approx(0.7)
    assert tiles["VOICE_MINUTES"]["ratio"] == pytest.approx(4.75 / 5.5)
    assert (tiles["CREDITS"]["label"], tiles["CREDITS"]["unit"]) == ("Credits", "credits")

    today = datetime.now(NY).date()
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    for credit_type, used, allotted in (
        ("CREDITS", Fraction(35, 2), Fraction(25)),
        ("TEXT_QUERIES", Fraction(2), Fraction(2)),
        ("VOICE_MINUTES", Fraction(19, 4), Fraction(11, 2)),
    ):
        assert tiles[credit_type]["forecast"] == expected_forecast(
            used, allotted, start, end, today
        ), credit_type
    for gauge in ("CONCURRENT_CALLS", "PHONE_NUMBERS", "CHATBOTS", "TEAM_MEMBERS"):
        assert tiles[gauge]["forecast"] is None


async def test_a_past_period_has_no_forecast(api: Api, scenario: Scenario) -> None:
    u = await usage(api, scenario, range={"start": "2026-10-01", "end": "2026-10-31"})
    credits = u["tiles"][0]
    assert credits["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    # Oct 29, 30, 31 (local) events, and October's top-up of 100.
    assert (credits["used"], credits["allotted"]) == ("5.5", "120")
    assert credits["forecast"] is None


async def test_agent_filter(api: Api, scenario: Scenario) -> None:
    u = await usage(api, scenario, agent=scenario.beta)
    assert u["agent"] == {"id": scenario.beta, "name": "Beta"}
    assert (u["summary"]["creditsUsed"], u["summary"]["messages"]) == ("7", 1)
    assert u["summary"]["conversations"] == 3
    # Slots ignore the agent filter.
    assert u["summary"]["chatbotsUsed"] == {"used": 2, "available": 3}
    assert [p["credits"] for p in u["dailyBurn"]] == ["0", "0", "6", "0", "1"]
    assert [(r["assistant"]["name"], r["share"]) for r in u["topAssistants"]] == [("Beta", 1.0)]
    assert u["byChannel"] == [
        {"channel": "PHONE", "conversations": 2, "share": pytest.approx(2 / 3)},
        {"channel": "WHATSAPP", "conversations": 1, "share": pytest.approx(1 / 3)},
    ]
    edges = u["recentActivity"]["edges"]
    assert [e["node"]["assistant"]["name"] for e in edges] == ["Beta"] * 3
    assert u["recentActivity"]["totalCount"] == 3
    # Tiles are the plan's pool, shared by every agent: used, band and forecast stay the
    # whole workspace's (as in test_tiles); the agent's part is agentUsed.
    everyone = {t["creditType"]: t for t in (await usage(api, scenario))["tiles"]}
    for tile in u["tiles"]:
        pool = everyone[tile["creditType"]]
        assert {k: v for k, v in tile.items() if k != "agentUsed"} == {
            k: v for k, v in pool.items() if k != "agentUsed"
        }
        assert pool["agentUsed"] is None
    part = {t["creditType"]: t["agentUsed"] for t in u["tiles"]}
    assert part["CREDITS"] == "17"  # e4, e5, e7, e8
    assert part["CONCURRENT_CALLS"] == "2"
    assert part["PHONE_NUMBERS"] is None  # gauges have no agent's part

    alpha = await usage(api, scenario, agent=scenario.alpha)
    part = {t["creditType"]: t["agentUsed"] for t in alpha["tiles"]}
    assert (part["CREDITS"], part["CONCURRENT_CALLS"], part["TEXT_QUERIES"]) == ("0.5", "0", "2")
    assert [t["used"] for t in alpha["tiles"]] == [t["used"] for t in everyone.values()]
    # An archived assistant may still be chosen: its history stays readable.
    gamma = await usage(api, scenario, agent=scenario.gamma)
    assert gamma["hasData"] is False


async def test_empty_workspace(api: Api) -> None:
    ws = await world.workspace(api)
    u = (await api.ok(DASHBOARD, {"id": ws, "range": RANGE}))["workspace"]["usage"]
    assert u["hasData"] is False
    assert [p["credits"] for p in u["dailyBurn"]] == ["0"] * 5
    assert (u["topAssistants"], u["byChannel"]) == ([], [])
    assert u["recentActivity"] == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }
    assert u["summary"]["creditsUsed"] == "0"


async def test_default_range_is_the_last_30_days(api: Api) -> None:
    ws = await world.workspace(api)
    query = """query($id: ID!) { workspace(id: $id) { usage {
      range { start end days } dailyBurn { date } } } }"""
    u = (await api.ok(query, {"id": ws}))["workspace"]["usage"]
    today = datetime.now(NY).date()
    assert u["range"] == {
        "start": (today - timedelta(days=29)).isoformat(),
        "end": today.isoformat(),
        "days": 30,
    }
    assert len(u["dailyBurn"]) == 30


async def test_a_write_is_visible_to_the_next_read(api: Api, scenario: Scenario) -> None:
    before = (await usage(api, scenario))["summary"]["creditsUsed"]
    await world.record(
        api, scenario.ws, [world.event("late", "2026-11-02T15:00:00Z", scenario.alpha, "z9")]
    )
    after = (await usage(api, scenario))["summary"]["creditsUsed"]
    assert (before, after) == ("12", "13")


@pytest.mark.parametrize(
    ("variables", "code", "needle"),
    [
        ({"range": {"start": "2026-11-05", "end": "2026-11-01"}}, "BAD_USER_INPUT", "after"),
        ({"range": {"start": "2025-01-01", "end": "2026-01-02"}}, "BAD_USER_INPUT", "366"),
        ({"range": {"start": "2026-02-30", "end": "2026-03-01"}}, "BAD_USER_INPUT", "date"),
        ({"agent": "QXNzaXN0YW50Ojk5OTk5"}, "NOT_FOUND", "exist"),
        ({"agent": "junk"}, "NOT_FOUND", "exist"),
    ],
)
async def test_bad_usage_arguments(
    api: Api, scenario: Scenario, variables: dict[str, Any], code: str, needle: str
) -> None:
    query = """query($id: ID!, $range: DateRangeInput, $agent: ID) {
      workspace(id: $id) { usage(range: $range, agent: $agent) { hasData } } }"""
    error = await api.error(query, {"id": scenario.ws} | variables)
    assert error["extensions"]["code"] == code
    assert needle in error["message"]


@pytest.mark.parametrize(
    "field",
    [
        "topAssistants(limit: 0) { share }",
        "topAssistants(limit: 51) { share }",
        "recentActivity(first: 0) { totalCount }",
        "recentActivity(first: 101) { totalCount }",
        'recentActivity(after: "bm9wZQ==") { totalCount }',
    ],
)
async def test_bad_list_arguments(api: Api, scenario: Scenario, field: str) -> None:
    query = f"query($id: ID!) {{ workspace(id: $id) {{ usage {{ {field} }} }} }}"
    assert await api.code(query, {"id": scenario.ws}) == "BAD_USER_INPUT"


async def test_another_workspaces_agent_is_not_found(api: Api, scenario: Scenario) -> None:
    other = await world.workspace(api, "Other")
    reader = await api.workspace_key(scenario.ws, Scope.USAGE_READ)
    for ws, agent in ((scenario.ws, await world.assistant(api, other, "x")), (other, None)):
        query = """query($id: ID!, $agent: ID) { workspace(id: $id) {
          usage(agent: $agent) { hasData } } }"""
        error = await reader.error(query, {"id": ws, "agent": agent})
        assert error["extensions"]["code"] == "NOT_FOUND"


async def test_admin_console_reads_each_workspace_separately(api: Api, scenario: Scenario) -> None:
    quiet = await world.workspace(api, "Quiet")
    data = await api.ok(CONSOLE, {"first": 10})
    by_name = {e["node"]["name"]: e["node"]["usage"] for e in data["workspaces"]["edges"]}
    assert by_name["Quiet"]["hasData"] is False
    assert by_name["Quiet"]["summary"]["creditsUsed"] == "0"
    assert quiet in [e["node"]["id"] for e in data["workspaces"]["edges"]]
    assert by_name["Acme"]["hasData"] == (datetime.now(NY).date() <= date(2026, 12, 3))
