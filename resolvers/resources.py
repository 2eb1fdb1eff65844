"""Assistants, team members, phone numbers and top-ups: upserts and lists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from models import Assistant, PhoneNumber, TeamMember, TopUp
from models.enums import FRACTIONAL_TYPES, METERED_TYPES, CreditType
from models.ledger import CONNECTION
from models.sql import upsert
from resolvers import validation as v
from resolvers.context import Context
from resolvers.errors import BadUserInput
from resolvers.pagination import (
    Page,
    check_first,
    decode_cursor,
    encode_cursor,
    key_part,
    text_part,
)
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


M = TypeVar("M", Assistant, TeamMember, PhoneNumber)


@dataclass(frozen=True)
class Interval:
    """An in-use interval as sent: its start column and field, and its end's."""

    start_column: str
    start_field: str
    start: datetime | None
    end_column: str
    end_field: str
    end: datetime | None


async def _upsert_with_interval(
    model: type[M], key: dict[str, object], interval: Interval, values: dict[str, object]
) -> M:
    """Upsert a row keyed by its natural key. An omitted start keeps the stored one (now, for
    a new row); the end is what is sent, so a row can be ended and reopened."""
    existing = await model.filter(**key).first()
    stored = getattr(existing, interval.start_column) if existing else None
    try:
        begun = _interval(
            interval.start_field, interval.start or stored, interval.end_field, interval.end
        )
    except v.FieldProblem as problem:
        raise v.fail(problem) from None
    always = {**values, interval.end_column: interval.end}
    if interval.start is not None:
        always[interval.start_column] = interval.start
    on_insert = {} if interval.start is not None else {interval.start_column: begun}
    async with in_transaction(CONNECTION) as conn:
        pk = await upsert(conn, model._meta.db_table, key, always, on_insert)
    return await model.get(id=pk)


def _checked(*checks: Callable[[], object]) -> None:
    """Run field checks; the first failure becomes a BAD_USER_INPUT error."""
    try:
        for check in checks:
            check()
    except v.FieldProblem as problem:
        raise v.fail(problem) from None


async def upsert_assistant(
    ctx: Context,
    workspace_id: str,
    external_id: str,
    name: str,
    created_at: datetime | None,
    archived_at: datetime | None,
) -> Assistant:
    """Keyed by externalId; archivedAt is what is sent, so an assistant can be restored."""
    workspace = await writable_workspace(ctx, workspace_id)
    _checked(
        lambda: v.text("input.externalId", external_id),
        lambda: v.text("input.name", name),
    )
    return await _upsert_with_interval(
        Assistant,
        {"workspace_id": workspace.id, "external_id": external_id},
        Interval("created_at", "input.createdAt", created_at,
                 "archived_at", "input.archivedAt", archived_at),
        {"name": name},
    )  # fmt: skip


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
    _checked(
        lambda: v.text("input.externalId", external_id),
        lambda: v.optional_text("input.displayName", display_name),
    )
    return await _upsert_with_interval(
        TeamMember,
        {"workspace_id": workspace.id, "external_id": external_id},
        Interval("joined_at", "input.joinedAt", joined_at,
                 "removed_at", "input.removedAt", removed_at),
        {"display_name": display_name, "agent_seat": agent_seat},
    )  # fmt: skip


async def upsert_phone_number(
    ctx: Context,
    workspace_id: str,
    number: str,
    activated_at: datetime | None,
    released_at: datetime | None,
) -> PhoneNumber:
    workspace = await writable_workspace(ctx, workspace_id)
    _checked(lambda: v.phone_number("input.number", number))
    return await _upsert_with_interval(
        PhoneNumber,
        {"workspace_id": workspace.id, "number": number},
        Interval("activated_at", "input.activatedAt", activated_at,
                 "released_at", "input.releasedAt", released_at),
        {},
    )  # fmt: skip


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
        name, pk = decode_cursor(after, text_part, key_part("Assistant"))
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
