"""`Workspace.usage`: the Usage page's figures. Each type is a thin view of what
resolvers/dashboard.py computes; per-row fields are plain attributes."""

from __future__ import annotations

import datetime as dt
import decimal
from fractions import Fraction

import strawberry

from models.rules.enums import Channel, CreditType, VolumeMetric
from models.rules.health import TileStatus, ratio, remaining, to_decimal
from resolvers import dashboard
from schema.context import Info
from schema.conversations import Conversation
from schema.pagination import Connection, build_connection, given
from schema.resources import Assistant
from schema.scalars import BigInt


@strawberry.type
class DateRange:
    start: dt.date
    end: dt.date
    days: int
    timezone: str


@strawberry.type
class SlotUsage:
    used: int
    available: int | None = strawberry.field(description="Null when the plan sets no limit.")


@strawberry.type
class UsageSummary:
    credits_used: decimal.Decimal
    messages: BigInt
    conversations: BigInt
    chatbots_used: SlotUsage
    team_members_used: SlotUsage


@strawberry.type
class BillingPeriod:
    start: dt.date
    end: dt.date


@strawberry.type
class Forecast:
    daily_rate: decimal.Decimal
    projected_used: decimal.Decimal
    depletes_on: dt.date | None = strawberry.field(
        description=(
            "The first day on which the allotment runs out at this rate; "
            "null if not within the period."
        )
    )


@strawberry.type
class PlanTile:
    credit_type: CreditType
    label: str
    unit: str
    used: decimal.Decimal = strawberry.field(
        description="The whole workspace's use: the plan's pool is shared by every agent."
    )
    allotted: decimal.Decimal
    remaining: decimal.Decimal
    ratio: float | None = strawberry.field(description="used / allotted; null when allotted is 0.")
    status: TileStatus
    period: BillingPeriod
    agent_used: decimal.Decimal | None = strawberry.field(
        description=(
            "With an agent filter, that agent's part of `used`; "
            "null without one, and for the gauge types."
        )
    )
    forecast: Forecast | None = strawberry.field(
        description="Metered types in the current billing period only; null otherwise."
    )

    @classmethod
    def of(cls, tile: dashboard.Tile) -> PlanTile:
        share = ratio(tile.used, tile.allotted)
        coming = tile.forecast
        return cls(
            credit_type=tile.credit_type,
            label=tile.label,
            unit=tile.unit,
            used=to_decimal(tile.used),
            allotted=to_decimal(tile.allotted),
            remaining=to_decimal(remaining(tile.used, tile.allotted)),
            ratio=None if share is None else float(share),
            status=tile.status,
            period=BillingPeriod(start=tile.period[0], end=tile.period[1]),
            agent_used=None if tile.agent_used is None else to_decimal(tile.agent_used),
            forecast=None
            if coming is None
            else Forecast(
                daily_rate=to_decimal(coming.daily_rate),
                projected_used=to_decimal(coming.projected_used),
                depletes_on=coming.depletes_on,
            ),
        )


@strawberry.type
class DailyBurnPoint:
    date: dt.date
    credits: decimal.Decimal
    messages: BigInt
    conversations: BigInt


@strawberry.type
class AssistantUsage:
    assistant: Assistant
    conversations: BigInt
    messages: BigInt
    credits: decimal.Decimal
    share: float = strawberry.field(
        description="This assistant's part of the ranking metric's total, 0 to 1."
    )


@strawberry.type
class ChannelShare:
    channel: Channel
    conversations: BigInt
    share: float = strawberry.field(description="0 to 1; the shares of one answer sum to 1.")


def _float(value: Fraction) -> float:
    return float(value)


@strawberry.type
class Usage:
    scope: strawberry.Private[dashboard.UsageScope]

    @strawberry.field(
        description="The range answered, after defaults (the last 30 days) are applied."
    )
    def range(self) -> DateRange:
        scope = self.scope
        return DateRange(
            start=scope.first,
            end=scope.last,
            days=(scope.last - scope.first).days + 1,
            timezone=scope.tz,
        )

    @strawberry.field(description="The assistant the figures are filtered to; null for all agents.")
    def agent(self) -> Assistant | None:
        return Assistant.from_row(self.scope.agent) if self.scope.agent else None

    @strawberry.field(
        description=(
            "When these figures were read; "
            "every write that returned before this instant is in them."
        )
    )
    def as_of(self) -> dt.datetime:
        return self.scope.now

    @strawberry.field
    async def has_data(self, info: Info) -> bool:
        return await dashboard.has_data(info.context.lookups, self.scope)

    @strawberry.field
    async def summary(self, info: Info) -> UsageSummary:
        s = await dashboard.summary(info.context.lookups, self.scope)
        return UsageSummary(
            credits_used=to_decimal(s.credits_used),
            messages=BigInt(s.messages),
            conversations=BigInt(s.conversations),
            chatbots_used=SlotUsage(used=s.chatbots_used, available=s.chatbots_available),
            team_members_used=SlotUsage(
                used=s.team_members_used, available=s.team_members_available
            ),
        )

    @strawberry.field
    async def tiles(self, info: Info) -> list[PlanTile]:
        return [PlanTile.of(t) for t in await dashboard.tiles(info.context.lookups, self.scope)]

    @strawberry.field
    async def daily_burn(self, info: Info) -> list[DailyBurnPoint]:
        return [
            DailyBurnPoint(
                date=p.day,
                credits=to_decimal(p.credits),
                messages=BigInt(p.messages),
                conversations=BigInt(p.conversations),
            )
            for p in await dashboard.daily_burn(info.context.lookups, self.scope)
        ]

    @strawberry.field
    async def top_assistants(
        self, info: Info, limit: int = 5, by: VolumeMetric = VolumeMetric.CONVERSATIONS
    ) -> list[AssistantUsage]:
        ranked = await dashboard.top_assistants(info.context.lookups, self.scope, limit, by)
        return [
            AssistantUsage(
                assistant=Assistant.from_row(f.assistant),
                conversations=BigInt(f.conversations),
                messages=BigInt(f.messages),
                credits=to_decimal(f.credits),
                share=_float(f.share),
            )
            for f in ranked
        ]

    @strawberry.field
    async def by_channel(self, info: Info) -> list[ChannelShare]:
        return [
            ChannelShare(
                channel=c.channel, conversations=BigInt(c.conversations), share=_float(c.share)
            )
            for c in await dashboard.by_channel(info.context.lookups, self.scope)
        ]

    @strawberry.field
    async def recent_activity(
        self, info: Info, first: int = 20, after: str | None = strawberry.UNSET
    ) -> Connection[Conversation]:
        page = await dashboard.recent_activity(
            info.context.lookups, self.scope, first, given(after)
        )
        return build_connection(page, Conversation.from_row)
