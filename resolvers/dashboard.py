"""The Usage page's figures (`Workspace.usage`), as SEMANTICS.md defines them.

A `UsageScope` is resolved once per `usage` field (range, agent, the instant of the answer);
every figure then asks the request's loaders, so a console reading many workspaces batches
each kind of lookup into one statement."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any

from tortoise.expressions import Q

from loaders.usage import (
    Catalog,
    ConcurrencyQuery,
    Grouping,
    RollupQuery,
    RollupSums,
)
from models import Assistant, Conversation, Workspace
from models.enums import METERED_TYPES, Channel, CreditType
from models.units import MINOR_PER_UNIT
from resolvers import health
from resolvers import validation as v
from resolvers.context import Context
from resolvers.days import (
    billing_period,
    dates,
    days_bounds,
    reference_instant,
    resolve_range,
    today_in,
)
from resolvers.errors import BadUserInput, not_found
from resolvers.forms import parse_datetime
from resolvers.ids import decode_id
from resolvers.pagination import (
    Page,
    check_first,
    decode_cursor,
    encode_cursor,
    instant_part,
    key_part,
)
from server.settings import settings

_CHANNEL_ORDER = {c: i for i, c in enumerate(Channel)}


class VolumeMetric(StrEnum):
    CONVERSATIONS = "CONVERSATIONS"
    MESSAGES = "MESSAGES"
    CREDITS = "CREDITS"


@dataclass(frozen=True)
class UsageScope:
    workspace: Workspace
    first: date
    last: date
    agent: Assistant | None
    #: When the answer was read (asOf).
    now: datetime
    catalog: Catalog

    @property
    def tz(self) -> str:
        return self.workspace.timezone

    @property
    def agent_id(self) -> int | None:
        return self.agent.id if self.agent else None

    @property
    def today(self) -> date:
        return today_in(self.tz, self.now)

    def rollup(
        self, grouping: Grouping, first: date | None = None, last: date | None = None
    ) -> RollupQuery:
        return RollupQuery(
            grouping, self.workspace.id, first or self.first, last or self.last, self.agent_id
        )


async def resolve_scope(
    ctx: Context,
    workspace: Workspace,
    start: date | None,
    end: date | None,
    agent: str | None,
) -> UsageScope:
    (await ctx.principal()).require_read()
    now = v.utcnow()
    try:
        first, last = resolve_range(
            start, end, today_in(workspace.timezone, now), settings.max_range_days
        )
    except ValueError as exc:
        raise BadUserInput(f"{exc}.", field="range") from None
    catalog = await ctx.loaders.catalog.get(workspace.id)
    chosen = None
    if agent is not None:
        pk = decode_id(agent, "Assistant")
        chosen = catalog.assistant(pk) if pk is not None else None
        if chosen is None:
            raise not_found("assistant")
    return UsageScope(workspace, first, last, chosen, now, catalog)


def _units(minor: int) -> Fraction:
    return Fraction(minor, MINOR_PER_UNIT)


async def _total(ctx: Context, query: RollupQuery) -> RollupSums | None:
    sums = await ctx.loaders.rollup.get(query)
    return sums[0] if sums else None


async def has_data(ctx: Context, scope: UsageScope) -> bool:
    return await _total(ctx, scope.rollup(Grouping.TOTAL)) is not None


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


async def summary(ctx: Context, scope: UsageScope) -> Summary:
    total = await _total(ctx, scope.rollup(Grouping.TOTAL))
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
    used: Fraction
    allotted: Fraction
    period: tuple[date, date]
    forecast: health.Forecast | None

    @property
    def label(self) -> str:
        return health.LABELS[self.credit_type][0]

    @property
    def unit(self) -> str:
        return health.LABELS[self.credit_type][1]


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


async def tiles(ctx: Context, scope: UsageScope) -> list[Tile]:
    """One tile per grant, in CreditType order, for the billing period containing range.end."""
    catalog = scope.catalog
    period = billing_period(scope.last, scope.workspace.billing_anchor_day)
    granted = [t for t in CreditType if t in catalog.grants]
    period_end = days_bounds(period[0], period[1], scope.tz)[1]
    pending: dict[CreditType, Any] = {}
    if any(t in METERED_TYPES for t in granted):
        pending[CreditType.CREDITS] = _total(ctx, scope.rollup(Grouping.TOTAL, *period))
    if CreditType.CONCURRENT_CALLS in granted:
        pending[CreditType.CONCURRENT_CALLS] = ctx.loaders.concurrency.get(
            ConcurrencyQuery(scope.workspace.id, period[0], period[1], scope.agent_id)
        )
    results = dict(zip(pending, await asyncio.gather(*pending.values()), strict=True))
    instant = min(scope.now, period_end)
    today = scope.today
    answer: list[Tile] = []
    for credit_type in granted:
        allotted = _units(catalog.grants[credit_type])
        forecast = None
        if credit_type in METERED_TYPES:
            used = _metered_used(credit_type, results[CreditType.CREDITS])
            allotted += sum(
                (
                    _units(t.amount)
                    for t in catalog.top_ups
                    if t.credit_type == credit_type and period[0] <= t.effective_on <= period[1]
                ),
                Fraction(0),
            )
            forecast = health.forecast(used, allotted, period, today)
        elif credit_type is CreditType.CONCURRENT_CALLS:
            used = Fraction(results[CreditType.CONCURRENT_CALLS])
        else:
            used = Fraction(_gauge_used(credit_type, catalog, instant))
        answer.append(Tile(credit_type, used, allotted, period, forecast))
    return answer


@dataclass(frozen=True)
class BurnPoint:
    day: date
    credits: Fraction
    messages: int
    conversations: int


async def daily_burn(ctx: Context, scope: UsageScope) -> list[BurnPoint]:
    by_day = {s.group: s for s in await ctx.loaders.rollup.get(scope.rollup(Grouping.DAY))}
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
    ctx: Context, scope: UsageScope, limit: int, by: str
) -> list[AssistantFigures]:
    if not 1 <= limit <= settings.max_top_assistants:
        raise BadUserInput(
            f"limit must be between 1 and {settings.max_top_assistants}, got {limit}.",
            field="limit",
        )
    rows = await ctx.loaders.rollup.get(scope.rollup(Grouping.ASSISTANT))
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


async def by_channel(ctx: Context, scope: UsageScope) -> list[ChannelFigures]:
    rows = [
        r
        for r in await ctx.loaders.rollup.get(scope.rollup(Grouping.CHANNEL))
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


async def conversations_page(
    workspace_id: int,
    assistant_id: int | None,
    first_day: date,
    last_day: date,
    tz: str,
    first: int,
    after: str | None,
) -> Page[Conversation]:
    """Live conversations whose last activity falls in the range, newest first (ties: newest
    id), by keyset pagination on (last_activity_at, id)."""
    check_first(first)
    lower, upper = days_bounds(first_day, last_day, tz)
    base = Conversation.filter(
        workspace_id=workspace_id,
        playground=False,
        last_activity_at__gte=lower,
        last_activity_at__lt=upper,
    )
    if assistant_id is not None:
        base = base.filter(assistant_id=assistant_id)
    page = base
    if after is not None:
        when, pk = _activity_cursor(after)
        page = page.filter(Q(last_activity_at__lt=when) | Q(last_activity_at=when, id__lt=pk))
    rows = await page.order_by("-last_activity_at", "-id").limit(first + 1)
    return Page(
        items=rows[:first],
        cursors=[
            encode_cursor(v.utc_of(r.last_activity_at).isoformat(), r.id) for r in rows[:first]
        ],
        has_next_page=len(rows) > first,
        had_cursor=after is not None,
        count=base.count,
    )


def _activity_cursor(cursor: str) -> tuple[datetime, int]:
    when, pk = decode_cursor(cursor, instant_part, key_part("Conversation"))
    return parse_datetime(when), pk


async def recent_activity(
    ctx: Context, scope: UsageScope, first: int, after: str | None
) -> Page[Conversation]:
    """The activity list; its size comes from the rollup (conversations per day of last
    activity), so `totalCount` costs the same for a thousand conversations as for a million."""
    page = await conversations_page(
        scope.workspace.id, scope.agent_id, scope.first, scope.last, scope.tz, first, after
    )

    async def total() -> int:
        sums = await _total(ctx, scope.rollup(Grouping.TOTAL))
        return sums.last_active if sums else 0

    page.count = total
    return page
