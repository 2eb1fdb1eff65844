"""Assistants, team members, phone numbers and top-ups: upserts and lists."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models import Assistant, PhoneNumber, TeamMember, TopUp
from models.enums import FRACTIONAL_TYPES, METERED_TYPES, CreditType
from models.ledger import CONNECTION
from models.sql import upsert
from resolvers import validation as v
from resolvers.context import Context
from resolvers.errors import BadUserInput
from resolvers.pagination import Page, check_first, decode_cursor, encode_cursor
from resolvers.workspace import admin_workspace, writable_workspace


def _interval(
    start_field: str, start: datetime | None, end_field: str, end: datetime | None
) -> datetime:
    """The start (default: now) of an in-use interval; checks the end is not before it."""
    now = v.utcnow()
    begun = start or now
    v.not_future(start_field, begun, now)
    v.interval(start_field, begun, end_field, end)
    return begun


async def upsert_assistant(
    ctx: Context,
    workspace_id: str,
    external_id: str,
    name: str,
    created_at: datetime | None,
    archived_at: datetime | None,
) -> Assistant:
    """Keyed by externalId. An omitted createdAt keeps the stored one (now, when new);
    archivedAt is what is sent, so an assistant can be archived and restored."""
    workspace = await writable_workspace(ctx, workspace_id)
    try:
        v.text("input.externalId", external_id)
        v.text("input.name", name)
        existing = await Assistant.filter(
            workspace_id=workspace.id, external_id=external_id
        ).first()
        start = created_at or (existing.created_at if existing else None)
        begun = _interval("input.createdAt", start, "input.archivedAt", archived_at)
    except v.FieldProblem as problem:
        raise v.fail(problem) from None
    always: dict[str, object] = {"name": name, "archived_at": archived_at}
    if created_at is not None:
        always["created_at"] = created_at
    async with in_transaction(CONNECTION) as conn:
        pk = await upsert(
            conn,
            "assistant",
            {"workspace_id": workspace.id, "external_id": external_id},
            always,
            {} if created_at is not None else {"created_at": begun},
        )
    return await Assistant.get(id=pk)


async def upsert_team_member(
    ctx: Context,
    workspace_id: str,
    external_id: str,
    display_name: str | None,
    agent_seat: bool,
    joined_at: datetime | None,
    removed_at: datetime | None,
) -> TeamMember:
    workspace = await writable_workspace(ctx, workspace_id)
    try:
        v.text("input.externalId", external_id)
        v.optional_text("input.displayName", display_name)
        existing = await TeamMember.filter(
            workspace_id=workspace.id, external_id=external_id
        ).first()
        start = joined_at or (existing.joined_at if existing else None)
        begun = _interval("input.joinedAt", start, "input.removedAt", removed_at)
    except v.FieldProblem as problem:
        raise v.fail(problem) from None
    always: dict[str, object] = {
        "display_name": display_name,
        "agent_seat": agent_seat,
        "removed_at": removed_at,
    }
    if joined_at is not None:
        always["joined_at"] = joined_at
    async with in_transaction(CONNECTION) as conn:
        pk = await upsert(
            conn,
            "team_member",
            {"workspace_id": workspace.id, "external_id": external_id},
            always,
            {} if joined_at is not None else {"joined_at": begun},
        )
    return await TeamMember.get(id=pk)


async def upsert_phone_number(
    ctx: Context,
    workspace_id: str,
    number: str,
    activated_at: datetime | None,
    released_at: datetime | None,
) -> PhoneNumber:
    workspace = await writable_workspace(ctx, workspace_id)
    try:
        v.phone_number("input.number", number)
        existing = await PhoneNumber.filter(workspace_id=workspace.id, number=number).first()
        start = activated_at or (existing.activated_at if existing else None)
        begun = _interval("input.activatedAt", start, "input.releasedAt", released_at)
    except v.FieldProblem as problem:
        raise v.fail(problem) from None
    always: dict[str, object] = {"released_at": released_at}
    if activated_at is not None:
        always["activated_at"] = activated_at
    async with in_transaction(CONNECTION) as conn:
        pk = await upsert(
            conn,
            "phone_number",
            {"workspace_id": workspace.id, "number": number},
            always,
            {} if activated_at is not None else {"activated_at": begun},
        )
    return await PhoneNumber.get(id=pk)


async def grant_top_up(
    ctx: Context,
    workspace_id: str,
    idempotency_key: str,
    credit_type: CreditType,
    amount: Decimal,
    effective_on: date,
) -> TopUp:
    """Idempotent by key: a repeat returns the stored top-up; a different one is refused."""
    workspace = await admin_workspace(ctx, workspace_id)
    try:
        v.text("input.idempotencyKey", idempotency_key)
        if credit_type not in METERED_TYPES:
            raise v.FieldProblem(
                "input.creditType",
                f"top-ups apply to metered credit types only "
                f"({', '.join(sorted(t.value for t in METERED_TYPES))})",
            )
        minor = v.amount(
            "input.amount", amount, whole=credit_type not in FRACTIONAL_TYPES, positive=True
        )
    except v.FieldProblem as problem:
        raise v.fail(problem) from None
    async with in_transaction(CONNECTION) as conn:
        await TopUp.bulk_create(
            [
                TopUp(
                    workspace_id=workspace.id,
                    idempotency_key=idempotency_key,
                    credit_type=credit_type.value,
                    amount=minor,
                    effective_on=effective_on,
                )
            ],
            on_conflict=["workspace_id", "idempotency_key"],
            ignore_conflicts=True,
            using_db=conn,
        )
    stored = await TopUp.get(workspace_id=workspace.id, idempotency_key=idempotency_key)
    if (stored.credit_type, stored.amount, stored.effective_on) != (
        credit_type.value,
        minor,
        effective_on,
    ):
        raise BadUserInput(
            f"idempotencyKey {idempotency_key!r} was already used for a different top-up.",
            field="input.idempotencyKey",
        )
    return stored


async def resolve_assistants(
    ctx: Context, workspace_id: int, first: int, after: str | None, include_archived: bool
) -> Page[Assistant]:
    """A workspace's assistants by name, then id."""
    check_first(first)
    base = Assistant.filter(workspace_id=workspace_id)
    if not include_archived:
        base = base.filter(archived_at__isnull=True)
    page = base
    if after is not None:
        name, pk = decode_cursor(after, 2)
        if not isinstance(name, str) or not isinstance(pk, int):
            raise BadUserInput("after is not a cursor of this list.")
        page = page.filter(Q(name__gt=name) | Q(name=name, id__gt=pk))
    rows = await page.order_by("name", "id").limit(first + 1)
    for row in rows:
        ctx.loaders.assistant_by_id.prime(row.id, row)
    return Page(
        items=rows[:first],
        cursors=[encode_cursor(r.name, r.id) for r in rows[:first]],
        has_next_page=len(rows) > first,
        had_cursor=after is not None,
        count=base.count,
    )
