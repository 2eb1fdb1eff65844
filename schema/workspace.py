"""Plans, workspaces and the viewer."""

from __future__ import annotations

import decimal

import strawberry

from models import Plan as PlanRow
from models import PlanGrant as PlanGrantRow
from models import Workspace as WorkspaceRow
from models.rules.enums import CreditType, Scope
from models.rules.units import from_minor
from resolvers import access, dashboard, resources
from resolvers import validation as v
from resolvers import workspace as resolvers
from resolvers.ids import to_global_id
from schema.context import Info
from schema.dashboard import Usage
from schema.inputs import CreateWorkspaceInput, DateRangeInput, PlanInput, UpdateWorkspaceInput
from schema.node import Node
from schema.pagination import Connection, build_connection, given
from schema.resources import Assistant


@strawberry.type
class PlanGrant:
    credit_type: CreditType
    per_period: decimal.Decimal

    @classmethod
    def from_row(cls, row: PlanGrantRow) -> PlanGrant:
        return cls(credit_type=CreditType(row.credit_type), per_period=from_minor(row.per_period))


@strawberry.type
class Plan:
    code: str
    name: str
    pk: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: PlanRow) -> Plan:
        return cls(code=row.code, name=row.name, pk=row.id)

    @strawberry.field(description="Allotments per billing period, in the order of CreditType.")
    async def grants(self, info: Info) -> list[PlanGrant]:
        return [
            PlanGrant.from_row(g) for g in await resolvers.grants_of(info.context.lookups, self.pk)
        ]


@strawberry.type
class Workspace(Node):
    id: strawberry.ID
    name: str
    timezone: str = strawberry.field(
        description=(
            "IANA time zone name; every calendar day of this workspace is a day in this zone."
        )
    )
    billing_anchor_day: int = strawberry.field(
        description="Day of the month billing periods start on (clamped to short months)."
    )
    row: strawberry.Private[WorkspaceRow]

    @classmethod
    def from_row(cls, row: WorkspaceRow) -> Workspace:
        return cls(
            id=strawberry.ID(to_global_id("Workspace", row.id)),
            name=row.name,
            timezone=row.timezone,
            billing_anchor_day=row.billing_anchor_day,
            row=row,
        )

    @strawberry.field
    async def plan(self, info: Info) -> Plan:
        return Plan.from_row(await resolvers.plan_of(info.context.lookups, self.row.plan_id))

    @strawberry.field(description="Usage figures for a date range, for all agents or one.")
    async def usage(
        self,
        info: Info,
        range: DateRangeInput | None = strawberry.UNSET,
        agent: strawberry.ID | None = strawberry.UNSET,
    ) -> Usage:
        await access.reader(info.context)
        range = given(range)
        scope = await dashboard.open_scope(
            info.context.lookups,
            info.context.settings,
            self.row,
            range.start if range else None,
            range.end if range else None,
            given(agent),
            v.utcnow(),
        )
        return Usage(scope=scope)

    @strawberry.field(description="The workspace's assistants by name; archived ones on request.")
    async def assistants(
        self,
        info: Info,
        first: int = 50,
        after: str | None = strawberry.UNSET,
        include_archived: bool = False,
    ) -> Connection[Assistant]:
        await access.reader(info.context)
        page = await resources.assistants_page(
            info.context.lookups,
            self.row.id,
            first,
            given(after),
            include_archived,
            info.context.settings.max_page_size,
        )
        return build_connection(page, Assistant.from_row)


@strawberry.type
class Viewer:
    name: str
    scopes: list[Scope]
    workspace_id: strawberry.Private[int | None]

    @strawberry.field(description="The key's own workspace; null for an admin key.")
    async def workspace(self, info: Info) -> Workspace | None:
        row = await access.own_workspace(info.context)
        return Workspace.from_row(row) if row else None


@strawberry.type
class WorkspaceQuery:
    @strawberry.field(description="The API key making the request.")
    async def viewer(self, info: Info) -> Viewer:
        principal = await info.context.principal()
        return Viewer(
            name=principal.name,
            scopes=[s for s in Scope if s in principal.scopes],
            workspace_id=principal.workspace_id,
        )

    @strawberry.field
    async def workspace(self, info: Info, id: strawberry.ID) -> Workspace | None:
        return Workspace.from_row(await access.readable_workspace(info.context, id))

    @strawberry.field(description="Workspaces this key may read (all of them for an admin key).")
    async def workspaces(
        self, info: Info, first: int = 20, after: str | None = strawberry.UNSET
    ) -> Connection[Workspace]:
        principal = await access.reader(info.context)
        page = await resolvers.workspaces_page(
            info.context.lookups,
            None if principal.is_admin else principal.workspace_id,
            first,
            given(after),
            info.context.settings.max_page_size,
        )
        return build_connection(page, Workspace.from_row)


@strawberry.type
class WorkspaceMutation:
    @strawberry.mutation(description="Create or replace a plan and its grants, keyed by code.")
    async def upsert_plan(self, info: Info, input: PlanInput) -> Plan:
        await access.admin(info.context)
        grants = [resolvers.GrantSpec(g.credit_type, g.per_period) for g in input.grants]
        return Plan.from_row(
            await resolvers.upsert_plan(info.context.settings, input.code, input.name, grants)
        )

    @strawberry.mutation
    async def create_workspace(self, info: Info, input: CreateWorkspaceInput) -> Workspace:
        await access.admin(info.context)
        row = await resolvers.create_workspace(
            info.context.settings,
            input.name,
            input.timezone,
            input.plan_code,
            input.billing_anchor_day,
        )
        return Workspace.from_row(row)

    @strawberry.mutation(
        description=(
            "Change a workspace; a new time zone re-dates its usage and rebuilds the rollup."
        )
    )
    async def update_workspace(self, info: Info, input: UpdateWorkspaceInput) -> Workspace:
        workspace = await access.admin_workspace(info.context, input.id)
        row = await resolvers.update_workspace(
            info.context.settings,
            workspace,
            input.name,
            input.timezone,
            input.plan_code,
            input.billing_anchor_day,
        )
        return Workspace.from_row(row)
