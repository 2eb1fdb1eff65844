"""Assistants, team members, phone numbers and top-ups: upserts and lists. Principal-free:
surfaces check access (resolvers/access.py) first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

from tortoise.expressions import Q

from loaders.lookups import Lookups
from models import Assistant, PhoneNumber, TeamMember, TopUp, Workspace
from models.rules.enums import FRACTIONAL_TYPES, METERED_TYPES, CreditType
from models.sql import transaction, upsert
from resolvers import validation as v
from resolvers.changes import after_write
from resolvers.errors import BadUserInput
from resolvers.pagination import Page, check_first, decode_cursor, key_part, keyset_page, text_part
from server.settings import Settings


def _interval(
    checks: v.Checks, start_field: str, start: datetime | None, end_field: str, end: datetime | None
) -> datetime:
    """The start (default: now) of an in-use interval; checks the end is not before it."""
    now = v.utcnow()
    begun = start or now
    checks.not_future(start_field, begun, now)
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
    checks: v.Checks,
    model: type[M],
    key: dict[str, object],
    interval: Interval,
    values: dict[str, object],
) -> M:
    """Upsert a row keyed by its natural key. An omitted start keeps the stored one (now, for
    a new row); the end is what is sent, so a row can be ended and reopened."""
    existing = await model.filter(**key).first()
    stored = getattr(existing, interval.start_column) if existing else None
    try:
        begun = _interval(
            checks, interval.start_field, interval.start or stored, interval.end_field, interval.end
        )
    except v.FieldProblem as problem:
        raise v.fail(problem) from None
    always = {**values, interval.end_column: interval.end}
    if interval.start is not None:
        always[interval.start_column] = interval.start
    on_insert = {} if interval.start is not None else {interval.start_column: begun}
    async with transaction() as conn:
        pk = await upsert(conn, model._meta.db_table, key, always, on_insert)
        await after_write(conn, [int(str(key["workspace_id"]))])
    return await model.get(id=pk)


def _checked(*checks: Callable[[], object]) -> None:
    """Run field checks; the first failure becomes a BAD_USER_INPUT error."""
    try:
        for check in checks:
            check()
    except v.FieldProblem as problem:
        raise v.fail(problem) from None


async def upsert_assistant(
    settings: Settings,
    workspace: Workspace,
    external_id: str,
    name: str,
    created_at: datetime | None,
    archived_at: datetime | None,
) -> Assistant:
    """Keyed by externalId; archivedAt is what is sent, so an assistant can be restored."""
    checks = v.Checks(settings)
    _checked(
        lambda: checks.text("input.externalId", external_id),
        lambda: checks.text("input.name", name),
    )
    return await _upsert_with_interval(
        checks,
        Assistant,
        {"workspace_id": workspace.id, "external_id": external_id},
        Interval("created_at", "input.createdAt", created_at,
                 "archived_at", "input.archivedAt", archived_at),
        {"name": name},
    )  # fmt: skip


async def upsert_team_member(
    settings: Settings,
    workspace: Workspace,
    external_id: str,
    display_name: str | None,
    agent_seat: bool,
    joined_at: datetime | None,
    removed_at: datetime | None,
) -> TeamMember:
    checks = v.Checks(settings)
    _checked(
        lambda: checks.text("input.externalId", external_id),
        lambda: checks.optional_text("input.displayName", display_name),
    )
    return await _upsert_with_interval(
        checks,
        TeamMember,
        {"workspace_id": workspace.id, "external_id": external_id},
        Interval("joined_at", "input.joinedAt", joined_at,
                 "removed_at", "input.removedAt", removed_at),
        {"display_name": display_name, "agent_seat": agent_seat},
    )  # fmt: skip


async def upsert_phone_number(
    settings: Settings,
    workspace: Workspace,
    number: str,
    activated_at: datetime | None,
    released_at: datetime | None,
) -> PhoneNumber:
    checks = v.Checks(settings)
    _checked(lambda: v.phone_number("input.number", number))
    return await _upsert_with_interval(
        checks,
        PhoneNumber,
        {"workspace_id": workspace.id, "number": number},
        Interval("activated_at", "input.activatedAt", activated_at,
                 "released_at", "input.releasedAt", released_at),
        {},
    )  # fmt: skip


async def grant_top_up(
    settings: Settings,
    workspace: Workspace,
    idempotency_key: str,
    credit_type: CreditType,
    amount: Decimal,
    effective_on: date,
) -> TopUp:
    """Idempotent by key: a repeat returns the stored top-up; a different one is refused."""
    checks = v.Checks(settings)
    try:
        checks.text("input.idempotencyKey", idempotency_key)
        if credit_type not in METERED_TYPES:
            raise v.FieldProblem(
                "input.creditType",
                f"top-ups apply to metered credit types only "
                f"({', '.join(sorted(t.value for t in METERED_TYPES))})",
            )
        minor = checks.amount(
            "input.amount", amount, whole=credit_type not in FRACTIONAL_TYPES, positive=True
        )
    except v.FieldProblem as problem:
        raise v.fail(problem) from None
    async with transaction() as conn:
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
        await after_write(conn, [workspace.id])
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


async def assistants_page(
    lookups: Lookups,
    workspace_id: int,
    first: int,
    after: str | None,
    include_archived: bool,
    max_page_size: int,
) -> Page[Assistant]:
    """A workspace's assistants by name, then id."""
    check_first(first, max_page_size)
    base = Assistant.filter(workspace_id=workspace_id).using_db(lookups.conn)
    if not include_archived:
        base = base.filter(archived_at__isnull=True)
    page = base
    if after is not None:
        name, pk = decode_cursor(after, text_part, key_part("Assistant"))
        page = page.filter(Q(name__gt=name) | Q(name=name, id__gt=pk))
    rows = await page.order_by("name", "id").limit(first + 1)
    for row in rows:
        lookups.assistant_by_id.prime(row.id, row)
    return keyset_page(rows, first, lambda r: (r.name, r.id), after, base.count)
