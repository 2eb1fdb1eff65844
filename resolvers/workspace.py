"""Plans and workspaces: the workspaces a key lists, and the admin writes. Principal-free:
surfaces check access (resolvers/access.py) first."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from loaders.lookups import Lookups
from models import Plan, PlanGrant, Workspace
from models.rollup import rebuild_rollup, relocalize
from models.rules.enums import FRACTIONAL_TYPES, CreditType
from models.sql import is_out_of_range, transaction, upsert
from resolvers import validation as v
from resolvers.changes import after_write
from resolvers.errors import BadUserInput, not_found
from resolvers.pagination import Page, check_first, decode_cursor, key_part, keyset_page
from server.settings import Settings

#: Credit types whose grant is shown as `SlotUsage.available`.
_SLOT_TYPES = frozenset({CreditType.CHATBOTS, CreditType.TEAM_MEMBERS})


@dataclass(frozen=True)
class GrantSpec:
    credit_type: CreditType
    per_period: Decimal


async def workspaces_page(
    lookups: Lookups, only: int | None, first: int, after: str | None, max_page_size: int
) -> Page[Workspace]:
    """Workspaces oldest first: all of them, or `only` that one."""
    check_first(first, max_page_size)
    base = Workspace.all().using_db(lookups.conn)
    if only is not None:
        base = base.filter(id=only)
    page = base
    if after is not None:
        (after_id,) = decode_cursor(after, key_part("Workspace"))
        page = page.filter(id__gt=after_id)
    rows = await page.order_by("id").limit(first + 1)
    for row in rows:
        lookups.workspace_by_id.prime(row.id, row)
    return keyset_page(rows, first, lambda r: (r.id,), after, base.count)


async def plan_of(lookups: Lookups, plan_id: int) -> Plan:
    plan = await lookups.plan_by_id.get(plan_id)
    if plan is None:
        raise not_found("plan")
    return plan


async def grants_of(lookups: Lookups, plan_id: int) -> list[PlanGrant]:
    return await lookups.grants_by_plan_id.get(plan_id)


async def upsert_plan(settings: Settings, code: str, name: str, grants: list[GrantSpec]) -> Plan:
    checks = v.Checks(settings)
    try:
        v.plan_code("input.code", code)
        checks.text("input.name", name)
        minor = _grant_amounts(checks, grants)
    except v.FieldProblem as problem:
        raise v.fail(problem) from None
    async with transaction() as conn:
        plan_id = await upsert(
            conn,
            "plan",
            {"code": code},
            {"name": name, "updated_at": v.utcnow()},
            {"created_at": v.utcnow()},
        )
        await PlanGrant.filter(plan_id=plan_id).using_db(conn).delete()
        await PlanGrant.bulk_create(
            [
                PlanGrant(plan_id=plan_id, credit_type=t.value, per_period=n)
                for t, n in minor.items()
            ],
            using_db=conn,
        )
        on_plan = Workspace.filter(plan_id=plan_id).using_db(conn)
        await after_write(conn, await on_plan.values_list("id", flat=True))  # type: ignore[arg-type]
    return await Plan.get(id=plan_id)


def _grant_amounts(checks: v.Checks, grants: list[GrantSpec]) -> dict[CreditType, int]:
    minor: dict[CreditType, int] = {}
    for i, grant in enumerate(grants):
        field = f"input.grants[{i}].perPeriod"
        if grant.credit_type in minor:
            raise v.FieldProblem(
                f"input.grants[{i}].creditType", f"{grant.credit_type.value} is granted twice"
            )
        whole = grant.credit_type not in FRACTIONAL_TYPES
        minor[grant.credit_type] = checks.amount(field, grant.per_period, whole=whole)
        if grant.credit_type in _SLOT_TYPES and grant.per_period > v.GRAPHQL_INT_MAX:
            # SlotUsage.available is a GraphQL Int.
            raise v.FieldProblem(
                field, f"must be at most {v.GRAPHQL_INT_MAX}, got {grant.per_period}"
            )
    return minor


async def _plan_by_code(field: str, code: str) -> Plan:
    v.plan_code(field, code)
    plan = await Plan.filter(code=code).first()
    if plan is None:
        raise v.FieldProblem(field, f"no plan has the code {code!r}")
    return plan


async def create_workspace(
    settings: Settings, name: str, timezone: str, plan_code: str, billing_anchor_day: int
) -> Workspace:
    try:
        v.Checks(settings).text("input.name", name)
        v.timezone_name("input.timezone", timezone)
        v.anchor_day("input.billingAnchorDay", billing_anchor_day)
        plan = await _plan_by_code("input.planCode", plan_code)
    except v.FieldProblem as problem:
        raise v.fail(problem) from None
    return await Workspace.create(
        name=name, timezone=timezone, plan_id=plan.id, billing_anchor_day=billing_anchor_day
    )


async def update_workspace(
    settings: Settings,
    workspace: Workspace,
    name: str | None,
    timezone: str | None,
    plan_code: str | None,
    billing_anchor_day: int | None,
) -> Workspace:
    """Change what is given; a new time zone re-dates the ledger and rebuilds the rollup."""
    changes: dict[str, object] = {}
    try:
        if name is not None:
            changes["name"] = v.Checks(settings).text("input.name", name)
        if timezone is not None:
            changes["timezone"] = v.timezone_name("input.timezone", timezone)
        if billing_anchor_day is not None:
            changes["billing_anchor_day"] = v.anchor_day(
                "input.billingAnchorDay", billing_anchor_day
            )
        if plan_code is not None:
            changes["plan_id"] = (await _plan_by_code("input.planCode", plan_code)).id
    except v.FieldProblem as problem:
        raise v.fail(problem) from None
    try:
        await _apply_changes(workspace.id, changes, timezone)
    except Exception as exc:
        if is_out_of_range(exc):
            raise BadUserInput(
                "input.timezone: in this time zone one day's total for an assistant and "
                "channel would be too large to store; nothing was changed.",
                field="input.timezone",
            ) from None
        raise
    return await Workspace.get(id=workspace.id)


async def _apply_changes(
    workspace_id: int, changes: dict[str, object], timezone: str | None
) -> None:
    async with transaction() as conn:
        # Locking the row makes concurrent recordUsage calls wait, so none dates its events
        # in the old zone after the rebuild.
        locked = await Workspace.filter(id=workspace_id).using_db(conn).select_for_update().get()
        rezoned = timezone is not None and timezone != locked.timezone
        if changes:
            await (
                Workspace.filter(id=workspace_id)
                .using_db(conn)
                .update(**changes, updated_at=v.utcnow())
            )
        if rezoned and timezone is not None:
            await relocalize(conn, workspace_id, timezone)
            await rebuild_rollup(conn, workspace_id, timezone)
        await after_write(conn, [workspace_id])
