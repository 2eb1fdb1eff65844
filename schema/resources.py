"""Assistants, team members, phone numbers and top-ups."""

from __future__ import annotations

import datetime as dt
import decimal

import strawberry

from models import Assistant as AssistantRow
from models import PhoneNumber as PhoneNumberRow
from models import TeamMember as TeamMemberRow
from models import TopUp as TopUpRow
from models.rules.enums import CreditType
from models.rules.units import from_minor
from resolvers import access
from resolvers import resources as resolvers
from resolvers import validation as v
from resolvers.conversations import conversations_page
from resolvers.ids import to_global_id
from resolvers.ranges import requested_days
from schema.context import Info
from schema.conversations import Conversation
from schema.inputs import (
    AssistantInput,
    DateRangeInput,
    PhoneNumberInput,
    TeamMemberInput,
    TopUpInput,
)
from schema.node import Node
from schema.pagination import Connection, build_connection, given


@strawberry.type
class Assistant(Node):
    id: strawberry.ID
    external_id: str
    name: str
    archived: bool
    created_at: dt.datetime
    archived_at: dt.datetime | None
    row: strawberry.Private[AssistantRow]

    @classmethod
    def from_row(cls, row: AssistantRow) -> Assistant:
        return cls(
            id=strawberry.ID(to_global_id("Assistant", row.id)),
            external_id=row.external_id,
            name=row.name,
            archived=row.archived_at is not None,
            created_at=row.created_at,
            archived_at=row.archived_at,
            row=row,
        )

    @strawberry.field(
        description="Live conversations whose last activity falls in the range, newest first."
    )
    async def conversations(
        self,
        info: Info,
        range: DateRangeInput | None = strawberry.UNSET,
        first: int = 20,
        after: str | None = strawberry.UNSET,
    ) -> Connection[Conversation]:
        ctx = info.context
        await access.readable_workspace_pk(ctx, self.row.workspace_id)
        workspace = await access.visible_workspace(ctx, self.row.workspace_id)
        range = given(range)
        days = requested_days(
            workspace.timezone,
            range.start if range else None,
            range.end if range else None,
            v.utcnow(),
            ctx.settings.max_range_days,
        )
        ctx.lookups.assistant_by_id.prime(self.row.id, self.row)
        page = await conversations_page(
            ctx.lookups.conn,
            workspace.id,
            self.row.id,
            days,
            workspace.timezone,
            first,
            given(after),
            ctx.settings.max_page_size,
        )
        return build_connection(page, Conversation.from_row)


@strawberry.type
class TeamMember(Node):
    id: strawberry.ID
    external_id: str
    display_name: str | None
    agent_seat: bool
    joined_at: dt.datetime
    removed_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: TeamMemberRow) -> TeamMember:
        return cls(
            id=strawberry.ID(to_global_id("TeamMember", row.id)),
            external_id=row.external_id,
            display_name=row.display_name,
            agent_seat=row.agent_seat,
            joined_at=row.joined_at,
            removed_at=row.removed_at,
        )


@strawberry.type
class PhoneNumber(Node):
    id: strawberry.ID
    number: str
    activated_at: dt.datetime
    released_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: PhoneNumberRow) -> PhoneNumber:
        return cls(
            id=strawberry.ID(to_global_id("PhoneNumber", row.id)),
            number=row.number,
            activated_at=row.activated_at,
            released_at=row.released_at,
        )


@strawberry.type
class TopUp(Node):
    id: strawberry.ID
    credit_type: CreditType
    amount: decimal.Decimal
    effective_on: dt.date

    @classmethod
    def from_row(cls, row: TopUpRow) -> TopUp:
        return cls(
            id=strawberry.ID(to_global_id("TopUp", row.id)),
            credit_type=CreditType(row.credit_type),
            amount=from_minor(row.amount),
            effective_on=row.effective_on,
        )


@strawberry.type
class ResourceMutation:
    @strawberry.mutation(description="Create or update an assistant, keyed by externalId.")
    async def upsert_assistant(self, info: Info, input: AssistantInput) -> Assistant:
        workspace = await access.writable_workspace(info.context, input.workspace_id)
        row = await resolvers.upsert_assistant(
            info.context.settings,
            workspace,
            input.external_id,
            input.name,
            input.created_at,
            input.archived_at,
        )
        return Assistant.from_row(row)

    @strawberry.mutation(description="Create or update a team member, keyed by externalId.")
    async def upsert_team_member(self, info: Info, input: TeamMemberInput) -> TeamMember:
        workspace = await access.writable_workspace(info.context, input.workspace_id)
        row = await resolvers.upsert_team_member(
            info.context.settings,
            workspace,
            input.external_id,
            input.display_name,
            input.agent_seat,
            input.joined_at,
            input.removed_at,
        )
        return TeamMember.from_row(row)

    @strawberry.mutation(description="Create or update a phone number, keyed by number.")
    async def upsert_phone_number(self, info: Info, input: PhoneNumberInput) -> PhoneNumber:
        workspace = await access.writable_workspace(info.context, input.workspace_id)
        row = await resolvers.upsert_phone_number(
            info.context.settings, workspace, input.number, input.activated_at, input.released_at
        )
        return PhoneNumber.from_row(row)

    @strawberry.mutation(
        description="Add allotment to a metered credit type for one billing period; "
        "idempotent by idempotencyKey."
    )
    async def grant_top_up(self, info: Info, input: TopUpInput) -> TopUp:
        workspace = await access.admin_workspace(info.context, input.workspace_id)
        row = await resolvers.grant_top_up(
            info.context.settings,
            workspace,
            input.idempotency_key,
            input.credit_type,
            input.amount,
            input.effective_on,
        )
        return TopUp.from_row(row)
