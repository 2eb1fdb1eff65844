"""The usage core: every figure of the Usage page (SEMANTICS.md), for a workspace, a range,
an optional agent and an instant. No GraphQL and no principal: GraphQL fields, the alerts
evaluator, live updates, the CSV export and the demo all call these functions, after their
own access check.

`open_scope` resolves the range and the agent once; every figure then asks the `Lookups`
it is given, so a console reading many workspaces batches each kind of lookup into one
statement, and a write that passes its transaction's lookups reads what it has not
committed yet."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from loaders.dashboard import (
    Catalog,
    ConcurrencyQuery,
    Grouping,
    RollupQuery,
    RollupSums,
)
from loaders.lookups import Lookups
from models import Assistant, Conversation, Workspace
from models.rules import health
from models.rules.days import billing_period, dates, days_bounds, reference_instant, today_in
from models.rules.enums import METERED_TYPES, Channel, CreditType, VolumeMetric
from models.rules.units import MINOR_PER_UNIT
from resolvers.conversations import conversations_page
from resolvers.errors import BadUserInput, not_found
from resolvers.ids import decode_id
from resolvers.pagination import Page
from resolvers.ranges import requested_days
from server.settings import Settings

_CHANNEL_ORDER = {c: i for i, c in enumerate(Channel)}


@dataclass(frozen=True)
class UsageScope:
    workspace: Workspace
    first: date
    last: date
    agent: Assistant | None
    #: When the answer was read (asOf).
    now: datetime
    catalog: Catalog
    #: The limits of the surface that asked (page sizes, ranking length).
    limits: Settings

    @property
    def tz(self) -> str:
        return self.workspace.timezone

    @property
    def agent_id(self) -> int | None:
        return self.agent.id if self.agent else None

    @property
    def today(self) -> date:
        return today_in(self.tz, self.now)

    @property
    def reference_day(self) -> date:
        """The earlier of today and range.end: the tiles' billing period contains it."""
        return min(self.today, self.last)

    def rollup(
        self,
        grouping: Grouping,
        days: tuple[date, date] | None = None,
        agent_id: int | bool | None = True,
    ) -> RollupQuery:
        """Rollup sums for the range (or `days`), for the agent filter (True), for the whole
        workspace (None) or for one assistant."""
        first, last = days or (self.first, self.last)
        agent = self.agent_id if agent_id is True else agent_id
        return RollupQuery(grouping, self.workspace.id, first, last, agent or None)


async def open_scope(
    lookups: Lookups,
    limits: Settings,
    workspace: Workspace,
    start: date | None,
    end: date | None,
    agent: str | None,
    now: datetime,
) -> UsageScope:
    """The range (BAD_USER_INPUT when reversed or too long) and the agent (NOT_FOUND unless
    it is an assistant of this workspace, by its global id) the figures are for."""
    first, last = requested_days(workspace.timezone, start, end, now, limits.max_range_days)
    catalog = await lookups.catalog.get(workspace.id)
    chosen = None
    if agent is not None:
        pk = decode_id(agent, "Assistant")
        chosen = catalog.assistant(pk) if pk is not None else None
        if chosen is None:
            raise not_found("assistant")
    return UsageScope(workspace, first, last, chosen, now, catalog, limits)


def _units(minor: int) -> Fraction:
    return Fraction(minor, MINOR_PER_UNIT)


async def _total(lookups: Lookups, query: RollupQuery) -> RollupSums | None:
    sums = await lookups.rollup.get(query)
    return sums[0] if sums else None


async def has_data(lookups: Lookups, scope: UsageScope) -> bool:
    return await _total(lookups, scope.rollup(Grouping.TOTAL)) is not None


@dataclass(frozen=True)
class Summary:
    credits_used: Fraction
    messages: int
    conversations: int
    chatbots_used: int
    chatbots_available: int | None
    team_members_used: int
    team_members_available: int | None


def _slot_grant(catalog: Catalog, credit_type: CreditType) -> int | None:
    minor = catalog.grants.get(credit_type)
    return None if minor is None else minor // MINOR_PER_UNIT


def _assistant_spans(catalog: Catalog) -> list[health.Interval]:
    return [health.Interval(a.created_at, a.archived_at) for a in catalog.assistants]


async def summary(lookups: Lookups, scope: UsageScope) -> Summary:
    total = await _total(lookups, scope.rollup(Grouping.TOTAL))
    instant = reference_instant(scope.last, scope.tz, scope.now)
    members = [health.Interval(m.start, m.end) for m in scope.catalog.team_members]
    return Summary(
        credits_used=_units(total.credits) if total else Fraction(0),
        messages=total.messages if total else 0,
        conversations=total.conversations_started if total else 0,
        chatbots_used=health.in_use_at(_assistant_spans(scope.catalog), instant),
        chatbots_available=_slot_grant(scope.catalog, CreditType.CHATBOTS),
        team_members_used=health.in_use_at(members, instant),
        team_members_available=_slot_grant(scope.catalog, CreditType.TEAM_MEMBERS),
    )


@dataclass(frozen=True)
class Tile:
    credit_type: CreditType
    #: The whole workspace's: the plan's pool is shared by every agent.
    used: Fraction
    allotted: Fraction
    period: tuple[date, date]
    #: With an agent filter, the agent's part of `used` (None without one, and for gauges).
    agent_used: Fraction | None
    forecast: health.Forecast | None

    @property
    def label(self) -> str:
        return health.LABELS[self.credit_type][0]

    @property
    def unit(self) -> str:
        return health.LABELS[self.credit_type][1]

    @property
    def status(self) -> health.TileStatus:
        return health.status(self.used, self.allotted)


def _metered_used(credit_type: CreditType, total: RollupSums | None) -> Fraction:
    if total is None:
        return Fraction(0)
    if credit_type is CreditType.CREDITS:
        return _units(total.credits)
    if credit_type is CreditType.VOICE_MINUTES:
        return _units(total.voice_minutes)
    return Fraction(total.text_queries)


def _gauge_used(credit_type: CreditType, catalog: Catalog, instant: datetime) -> int:
    if credit_type is CreditType.CHATBOTS:
        spans = _assistant_spans(catalog)
    elif credit_type is CreditType.PHONE_NUMBERS:
        spans = [health.Interval(p.start, p.end) for p in catalog.phone_numbers]
    elif credit_type is CreditType.TEAM_MEMBERS:
        spans = [health.Interval(m.start, m.end) for m in catalog.team_members]
    else:  # HUMAN_AGENT_SEATS
        spans = [health.Interval(m.start, m.end) for m in catalog.team_members if m.agent_seat]
    return health.in_use_at(spans, instant)


def _top_ups(catalog: Catalog, credit_type: CreditType, period: tuple[date, date]) -> Fraction:
    return sum(
        (
            _units(t.amount)
            for t in catalog.top_ups
            if t.credit_type == credit_type and period[0] <= t.effective_on <= period[1]
        ),
        Fraction(0),
    )


async def tiles(lookups: Lookups, scope: UsageScope) -> list[Tile]:
    """One tile per grant, in CreditType order, for the billing period containing the
    reference day. `used`, the band and the forecast are the whole workspace's; an agent
    filter adds the agent's part. Every lookup joins the request's batches."""
    catalog = scope.catalog
    period = billing_period(scope.reference_day, scope.workspace.billing_anchor_day)
    granted = [t for t in CreditType if t in catalog.grants]
    agents = [None] if scope.agent_id is None else [None, scope.agent_id]
    pending: dict[tuple[str, int | None], Any] = {}
    for agent in agents:
        if any(t in METERED_TYPES for t in granted):
            query = scope.rollup(Grouping.TOTAL, period, agent_id=agent)
            pending[("metered", agent)] = _total(lookups, query)
        if CreditType.CONCURRENT_CALLS in granted:
            pending[("calls", agent)] = lookups.concurrency.get(
                ConcurrencyQuery(scope.workspace.id, period[0], period[1], agent)
            )
    found = dict(zip(pending, await asyncio.gather(*pending.values()), strict=True))
    instant = min(scope.now, days_bounds(period[0], period[1], scope.tz)[1])
    answer: list[Tile] = []
    for credit_type in granted:
        allotted = _units(catalog.grants[credit_type])
        forecast = agent_used = None
        if credit_type in METERED_TYPES:
            used = _metered_used(credit_type, found[("metered", None)])
            allotted += _top_ups(catalog, credit_type, period)
            forecast = health.forecast(used, allotted, period, scope.today)
            if scope.agent_id is not None:
                agent_used = _metered_used(credit_type, found[("metered", scope.agent_id)])
        elif credit_type is CreditType.CONCURRENT_CALLS:
            used = Fraction(found[("calls", None)])
            if scope.agent_id is not None:
                agent_used = Fraction(found[("calls", scope.agent_id)])
        else:
            used = Fraction(_gauge_used(credit_type, catalog, instant))
        answer.append(Tile(credit_type, used, allotted, period, agent_used, forecast))
    return answer


@dataclass(frozen=True)
class BurnPoint:
    day: date
    credits: Fraction
    messages: int
    conversations: int


async def daily_burn(lookups: Lookups, scope: UsageScope) -> list[BurnPoint]:
    by_day = {s.group: s for s in await lookups.rollup.get(scope.rollup(Grouping.DAY))}
    points = []
    for day in dates(scope.first, scope.last):
        sums = by_day.get(day)
        points.append(
            BurnPoint(
                day,
                _units(sums.credits) if sums else Fraction(0),
                sums.messages if sums else 0,
                sums.conversations_started if sums else 0,
            )
        )
    return points


@dataclass(frozen=True)
class AssistantFigures:
    assistant: Assistant
    conversations: int
    messages: int
    credits: Fraction
    share: Fraction


def _metric(sums: RollupSums, by: str) -> Fraction:
    if by == VolumeMetric.MESSAGES:
        return Fraction(sums.messages)
    if by == VolumeMetric.CREDITS:
        return _units(sums.credits)
    return Fraction(sums.conversations_started)


async def top_assistants(
    lookups: Lookups, scope: UsageScope, limit: int, by: str
) -> list[AssistantFigures]:
    most = scope.limits.max_top_assistants
    if not 1 <= limit <= most:
        raise BadUserInput(
            f"limit must be between 1 and {most}, got {limit}.",
            field="limit",
        )
    rows = await lookups.rollup.get(scope.rollup(Grouping.ASSISTANT))
    total = sum((_metric(r, by) for r in rows), Fraction(0))
    ranked: list[AssistantFigures] = []
    for sums in rows:
        assistant = scope.catalog.assistant(int(sums.group))  # type: ignore[arg-type]
        if assistant is None:  # deleted concurrently; nothing to show
            continue
        metric = _metric(sums, by)
        ranked.append(
            AssistantFigures(
                assistant,
                sums.conversations_started,
                sums.messages,
                _units(sums.credits),
                metric / total if total else Fraction(0),
            )
        )
    ranked.sort(key=lambda f: (-_figure(f, by), f.assistant.name, f.assistant.id))
    return ranked[:limit]


def _figure(figures: AssistantFigures, by: str) -> Fraction:
    if by == VolumeMetric.MESSAGES:
        return Fraction(figures.messages)
    if by == VolumeMetric.CREDITS:
        return figures.credits
    return Fraction(figures.conversations)


@dataclass(frozen=True)
class ChannelFigures:
    channel: Channel
    conversations: int
    share: Fraction


async def by_channel(lookups: Lookups, scope: UsageScope) -> list[ChannelFigures]:
    rows = [
        r
        for r in await lookups.rollup.get(scope.rollup(Grouping.CHANNEL))
        if r.conversations_started > 0
    ]
    total = sum(r.conversations_started for r in rows)
    shares = [
        ChannelFigures(
            Channel(str(r.group)), r.conversations_started, Fraction(r.conversations_started, total)
        )
        for r in rows
    ]
    shares.sort(key=lambda c: (-c.conversations, _CHANNEL_ORDER[c.channel]))
    return shares


async def recent_activity(
    lookups: Lookups, scope: UsageScope, first: int, after: str | None
) -> Page[Conversation]:
    """The activity list; its size comes from the rollup (conversations per day of last
    activity), so `totalCount` costs the same for a thousand conversations as for a million."""
    page = await conversations_page(
        lookups.conn,
        scope.workspace.id,
        scope.agent_id,
        (scope.first, scope.last),
        scope.tz,
        first,
        after,
        scope.limits.max_page_size,
    )

    async def total() -> int:
        sums = await _total(lookups, scope.rollup(Grouping.TOTAL))
        return sums.last_active if sums else 0

    page.count = total
    return page
