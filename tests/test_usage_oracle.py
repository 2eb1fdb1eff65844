"""An oracle: every usage figure recomputed from the events themselves, in plain Python,
for randomized workspaces (several time zones, out-of-order and duplicate events, playground
conversations, overlapping calls), compared with what the API answers, on SQLite and
PostgreSQL. The oracle shares no code with the server."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import world
from tests.api import Api
from tests.dashboard import DASHBOARD
from tests.forecasts import expected_forecast

ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/Berlin"]
CHANNELS = ["WEB_CHAT", "WHATSAPP", "PHONE", "SMS", "MESSENGER", "INSTAGRAM", "TELEGRAM"]
CHANNEL_ORDER = {c: i for i, c in enumerate(CHANNELS)}
#: Events fall in Sep 25 .. Nov 8, 2026 (New York's DST ends Nov 1; Lord Howe's begins Oct 4).
START = datetime(2026, 9, 25, tzinfo=UTC)
MINUTES = 44 * 24 * 60
GRANTS = {"CREDITS": "50", "TEXT_QUERIES": "10", "VOICE_MINUTES": "30", "CONCURRENT_CALLS": "3"}


@dataclass(frozen=True)
class Conv:
    assistant: int
    channel: str
    playground: bool
    #: Minutes after the conversation's first event in the first batch that sends it (an
    #: endedAt is never before the start known when it is sent).
    ended_after: int | None


@dataclass(frozen=True)
class Ev:
    key: int
    conversation: int
    minute: int
    messages: int
    credits: Decimal
    voice: Decimal
    queries: int

    @property
    def at(self) -> datetime:
        return START + timedelta(minutes=self.minute)


@st.composite
def workspaces(draw: st.DrawFn) -> dict[str, Any]:
    convs = draw(
        st.lists(
            st.builds(
                Conv,
                st.integers(0, 2),
                st.sampled_from(CHANNELS),
                st.booleans(),
                st.none() | st.integers(0, 180),
            ),
            min_size=1,
            max_size=8,
        )
    )
    amounts = st.decimals(min_value=0, max_value=20, places=2, allow_nan=False)
    events = draw(
        st.lists(
            st.builds(
                Ev,
                st.integers(0, 40),  # keys repeat: duplicates
                st.integers(0, len(convs) - 1),
                st.integers(0, MINUTES),
                st.integers(0, 5),
                amounts,
                amounts,
                st.integers(0, 3),
            ),
            min_size=0,
            max_size=40,
        )
    )
    zone = draw(st.sampled_from(ZONES))
    length = draw(st.integers(0, 40))
    at_an_event: bool = draw(st.booleans())
    if events and at_an_event:
        # End the range on an event's local date: the edges of ranges are where bugs live.
        pivot = draw(st.sampled_from(events)).at.astimezone(ZoneInfo(zone)).date()
        first = pivot - timedelta(days=length)
    else:
        first = draw(st.dates(date(2026, 9, 20), date(2026, 11, 10)))
    return {
        "zone": zone,
        "anchor": draw(st.integers(1, 31)),
        "conversations": convs,
        "events": events,
        "batches": draw(st.integers(1, 3)),
        "range": (first, first + timedelta(days=length)),
        "agent": draw(st.none() | st.integers(0, 2)),
        "archived": draw(st.none() | st.integers(0, MINUTES)),  # when assistant 2 is archived
    }


def batch_size(w: dict[str, Any]) -> int:
    return max(1, -(-len(w["events"]) // int(w["batches"])))


def ends_at(w: dict[str, Any]) -> dict[int, datetime | None]:
    """Each conversation's endedAt: `ended_after` minutes after its earliest event in the
    first batch that sends it."""
    [events] = world.as_retries([w["events"]], lambda e: e.key)
    size = batch_size(w)
    ends: dict[int, datetime | None] = {}
    for start in range(0, len(events), size):
        batch = events[start : start + size]
        for event in batch:
            spec: Conv = w["conversations"][event.conversation]
            if event.conversation not in ends and spec.ended_after is not None:
                first = min(e.at for e in batch if e.conversation == event.conversation)
                ends[event.conversation] = first + timedelta(minutes=spec.ended_after)
            ends.setdefault(event.conversation, None)
    return ends


class Oracle:
    """Every figure from first principles (SEMANTICS.md)."""

    def __init__(self, w: dict[str, Any], names: list[str]) -> None:
        self.w = w
        self.tz = ZoneInfo(w["zone"])
        self.names = names
        self.first, self.last = w["range"]
        [sent] = world.as_retries([w["events"]], lambda e: e.key)
        self.events = list({e.key: e for e in sent}.values())
        self.convs: dict[int, dict[str, Any]] = {}
        for event in self.events:
            c = self.convs.setdefault(event.conversation, {"events": []})
            c["events"].append(event)
        for index, c in self.convs.items():
            spec: Conv = w["conversations"][index]
            c["spec"] = spec
            c["start"] = min(e.at for e in c["events"])
            c["last"] = max(e.at for e in c["events"])
            c["ended"] = ends_at(w)[index]

    def day(self, instant: datetime) -> date:
        return instant.astimezone(self.tz).date()

    def live(self, agent: int | None) -> list[tuple[Ev, Conv]]:
        out = []
        for e in self.events:
            spec: Conv = self.w["conversations"][e.conversation]
            if not spec.playground and (agent is None or spec.assistant == agent):
                out.append((e, spec))
        return out

    def started(self, agent: int | None, first: date, last: date) -> list[dict[str, Any]]:
        return [
            c
            for c in self.convs.values()
            if not c["spec"].playground
            and (agent is None or c["spec"].assistant == agent)
            and first <= self.day(c["start"]) <= last
        ]

    def in_range(self, agent: int | None) -> list[tuple[Ev, Conv]]:
        return [(e, s) for e, s in self.live(agent) if self.first <= self.day(e.at) <= self.last]

    def summary(self, agent: int | None) -> dict[str, Any]:
        events = self.in_range(agent)
        return {
            "creditsUsed": dec(sum((e.credits for e, _ in events), Decimal(0))),
            "messages": sum(e.messages for e, _ in events),
            "conversations": len(self.started(agent, self.first, self.last)),
        }

    def daily_burn(self, agent: int | None) -> list[dict[str, Any]]:
        points = []
        day = self.first
        while day <= self.last:
            events = [e for e, _ in self.live(agent) if self.day(e.at) == day]
            points.append(
                {
                    "date": day.isoformat(),
                    "credits": dec(sum((e.credits for e in events), Decimal(0))),
                    "messages": sum(e.messages for e in events),
                    "conversations": len(self.started(agent, day, day)),
                }
            )
            day += timedelta(days=1)
        return points

    def top_assistants(self, agent: int | None) -> list[tuple[str, int, int, str, float]]:
        rows = []
        total = Fraction(0)
        for a in sorted({s.assistant for _, s in self.in_range(agent)}):
            events = [e for e, _ in self.in_range(a)]
            conversations = len(self.started(a, self.first, self.last))
            rows.append((self.names[a], conversations, sum(e.messages for e in events),
                         sum((e.credits for e in events), Decimal(0))))  # fmt: skip
            total += conversations
        rows.sort(key=lambda r: (-r[1], r[0]))
        return [(n, c, m, dec(cr), float(c / total) if total else 0.0) for n, c, m, cr in rows]

    def by_channel(self, agent: int | None) -> list[tuple[str, int, float]]:
        counts: dict[str, int] = defaultdict(int)
        for c in self.started(agent, self.first, self.last):
            counts[c["spec"].channel] += 1
        total = sum(counts.values())
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], CHANNEL_ORDER[kv[0]]))
        return [(ch, n, n / total) for ch, n in ranked]

    def recent(self, agent: int | None) -> list[tuple[str, str]]:
        rows = [
            (f"conv-{i}", c["last"])
            for i, c in self.convs.items()
            if not c["spec"].playground
            and (agent is None or c["spec"].assistant == agent)
            and self.first <= self.day(c["last"]) <= self.last
        ]
        return sorted(((n, t.isoformat()) for n, t in rows), key=lambda r: r[1], reverse=True)

    def period(self, today: date) -> tuple[date, date]:
        """Found by walking back from the reference day (the earlier of today and range.end)
        to the last (clamped) anchor day."""
        anchor: int = self.w["anchor"]

        def starts_on(d: date) -> bool:
            last_of_month = (d.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(
                days=1
            )
            return bool(d.day == min(anchor, last_of_month.day))

        start = min(today, self.last)
        while not starts_on(start):
            start -= timedelta(days=1)
        end = start + timedelta(days=1)
        while not starts_on(end):
            end += timedelta(days=1)
        return start, end - timedelta(days=1)

    def pool(self, agent: int | None, start: date, end: date) -> dict[str, Fraction]:
        """The metered sums and the call peak of the period, for one agent or all."""
        events = [(e, s) for e, s in self.live(agent) if start <= self.day(e.at) <= end]
        return {
            "CREDITS": sum((Fraction(e.credits) for e, _ in events), Fraction(0)),
            "TEXT_QUERIES": Fraction(sum(e.queries for e, _ in events)),
            "VOICE_MINUTES": sum((Fraction(e.voice) for e, _ in events), Fraction(0)),
            "CONCURRENT_CALLS": Fraction(self.peak_calls(agent, start, end)),
        }

    def tiles(self, agent: int | None, now: datetime) -> list[dict[str, Any]]:
        """The plan's pool: used, band and forecast ignore the agent; its part is agentUsed."""
        today = now.astimezone(self.tz).date()
        start, end = self.period(today)
        used = self.pool(None, start, end)
        part = self.pool(agent, start, end) if agent is not None else None
        tiles = []
        for credit_type, grant in GRANTS.items():
            allotted = Fraction(Decimal(grant))
            u = used[credit_type]
            tiles.append(
                {
                    "creditType": credit_type,
                    "used": dec(u),
                    "allotted": dec(allotted),
                    "period": {"start": start.isoformat(), "end": end.isoformat()},
                    "agentUsed": None if part is None else dec(part[credit_type]),
                    "status": "EXCEEDED"
                    if u > allotted
                    else "CRITICAL"
                    if u >= allotted * Fraction(95, 100)
                    else "WARNING"
                    if u >= allotted * Fraction(80, 100)
                    else "OK",
                    "forecast": None
                    if credit_type == "CONCURRENT_CALLS"
                    else expected_forecast(u, allotted, start, end, today),
                }
            )
        return tiles

    def peak_calls(self, agent: int | None, first: date, last: date) -> int:
        """Brute force: count the active calls at every instant a call could start."""
        lo = datetime.combine(first, datetime.min.time(), self.tz).astimezone(UTC)
        hi = datetime.combine(last + timedelta(days=1), datetime.min.time(), self.tz)
        hi = hi.astimezone(UTC)
        calls = [
            (c["start"], c["ended"] if c["ended"] is not None else c["last"])
            for c in self.convs.values()
            if c["spec"].channel == "PHONE"
            and not c["spec"].playground
            and (agent is None or c["spec"].assistant == agent)
        ]
        instants = {max(s, lo) for s, _ in calls if max(s, lo) < hi}
        return max(
            (sum(1 for s, e in calls if s <= t < e or t == s) for t in instants),
            default=0,
        )


def dec(value: Decimal | Fraction) -> str:
    exact = (
        Decimal(value.numerator) / Decimal(value.denominator)
        if isinstance(value, Fraction)
        else value
    )
    text = format(exact.quantize(Decimal("0.0001")), "f").rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


@pytest.mark.filterwarnings("ignore")
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(w=workspaces())
async def test_every_figure_matches_the_oracle(api: Api, w: dict[str, Any]) -> None:
    await world.plan(api, "oracle", [{"creditType": t, "perPeriod": a} for t, a in GRANTS.items()])
    created = await api.ok(
        world.CREATE_WORKSPACE,
        {
            "input": {
                "name": "Oracle",
                "timezone": w["zone"],
                "planCode": "oracle",
                "billingAnchorDay": w["anchor"],
            }
        },
    )
    ws = created["createWorkspace"]["id"]
    names = ["Ann", "Bob", "Cyd"]
    bots = [await world.assistant(api, ws, f"b{i}", names[i]) for i in range(3)]
    if w["archived"] is not None:
        archived = START + timedelta(minutes=w["archived"])
        await api.ok(
            world.UPSERT_ASSISTANT,
            {"input": {"workspaceId": ws, "externalId": "b2", "name": "Cyd",
                       "archivedAt": world.iso(archived)}},
        )  # fmt: skip
    payload = []
    [events] = world.as_retries([w["events"]], lambda e: e.key)
    ends = ends_at(w)
    for event in events:
        spec: Conv = w["conversations"][event.conversation]
        ended = ends[event.conversation]
        payload.append(
            world.event(
                f"k{event.key}",
                world.iso(event.at),
                bots[spec.assistant],
                f"conv-{event.conversation}",
                channel=spec.channel,
                playground=spec.playground,
                contact=f"c{event.conversation}",
                messages=event.messages,
                credits=str(event.credits),
                voice_minutes=str(event.voice),
                text_queries=event.queries,
                ended_at=world.iso(ended) if ended else None,
            )
        )
    size = batch_size(w)
    for i in range(0, len(payload), size):
        await world.record(api, ws, payload[i : i + size])
    if payload:
        # A stored key sent again with other credits is refused and changes no figure.
        reused = payload[0] | {"credits": str(Decimal(payload[0]["credits"]) + 1)}
        refused = {"input": {"workspaceId": ws, "events": [reused]}}
        assert await api.code(world.RECORD_USAGE, refused) == "BAD_USER_INPUT"

    oracle = Oracle(w, names)
    agent = w["agent"]
    first, last = w["range"]
    variables = {
        "id": ws,
        "range": {"start": first.isoformat(), "end": last.isoformat()},
        "agent": bots[agent] if agent is not None else None,
    }
    u = (await api.ok(DASHBOARD, variables))["workspace"]["usage"]
    now = datetime.fromisoformat(u["asOf"])

    summary = {k: u["summary"][k] for k in ("creditsUsed", "messages", "conversations")}
    assert summary == oracle.summary(agent)
    assert u["hasData"] == bool(oracle.in_range(agent))
    assert u["dailyBurn"] == oracle.daily_burn(agent)
    top = [
        (r["assistant"]["name"], r["conversations"], r["messages"], r["credits"], r["share"])
        for r in u["topAssistants"]
    ]
    expected_top = oracle.top_assistants(agent)[:5]
    assert [t[:4] for t in top] == [t[:4] for t in expected_top]
    assert [t[4] for t in top] == pytest.approx([t[4] for t in expected_top])
    channels = [(c["channel"], c["conversations"], c["share"]) for c in u["byChannel"]]
    expected_channels = oracle.by_channel(agent)
    assert [c[:2] for c in channels] == [c[:2] for c in expected_channels]
    assert [c[2] for c in channels] == pytest.approx([c[2] for c in expected_channels])

    tiles = [
        {
            k: t[k]
            for k in ("creditType", "used", "allotted", "period", "agentUsed", "status", "forecast")
        }
        for t in u["tiles"]
    ]
    assert tiles == oracle.tiles(agent, now)

    # recentActivity, paged to the end three at a time.
    query = """query($id: ID!, $range: DateRangeInput, $agent: ID, $after: String) {
      workspace(id: $id) { usage(range: $range, agent: $agent) {
        recentActivity(first: 3, after: $after) { totalCount
          edges { node { externalId when } } pageInfo { hasNextPage endCursor } } } } }"""
    seen: list[tuple[str, str]] = []
    after = None
    while True:
        data = await api.ok(query, variables | {"after": after})
        page = data["workspace"]["usage"]["recentActivity"]
        seen += [(e["node"]["externalId"], e["node"]["when"]) for e in page["edges"]]
        assert page["totalCount"] == len(oracle.recent(agent))
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(oracle.recent(agent))
    assert [t for _, t in seen] == sorted((t for _, t in seen), reverse=True)
