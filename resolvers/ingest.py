"""Recording usage (`recordUsage`): the whole batch is validated, then stored atomically
(models.ledger). Principal-free: the surface checks that its key may write the workspace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from tortoise.backends.base.client import BaseDBAsyncClient

from models import Assistant, Workspace
from models.events import differing_fields, key_problem
from models.ledger import (
    EventProblem,
    EventRecord,
    RecordOutcome,
    StoredConflict,
    record_events,
)
from models.rules.enums import Channel, ConversationType
from models.sql import is_out_of_range, retrying_transaction
from resolvers import validation as v
from resolvers.changes import after_write
from resolvers.errors import BadUserInput
from resolvers.ids import decode_id
from server.settings import Settings

_SHOWN_PROBLEMS = 5


class SentContact(Protocol):
    @property
    def external_id(self) -> str: ...
    @property
    def display_name(self) -> str | None: ...


class SentConversation(Protocol):
    @property
    def external_id(self) -> str: ...
    @property
    def channel(self) -> Channel: ...
    @property
    def type(self) -> ConversationType: ...
    @property
    def contact(self) -> SentContact: ...
    @property
    def playground(self) -> bool: ...
    @property
    def ended_at(self) -> datetime | None: ...


class SentEvent(Protocol):
    """One event as a client sent it (GraphQL's `UsageEventInput` is one), scalars parsed."""

    @property
    def idempotency_key(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def assistant_id(self) -> str: ...
    @property
    def conversation(self) -> SentConversation: ...
    @property
    def messages(self) -> int: ...
    @property
    def credits(self) -> Decimal: ...
    @property
    def text_queries(self) -> int: ...
    @property
    def voice_minutes(self) -> Decimal: ...


@dataclass(frozen=True)
class Contact:
    external_id: str
    display_name: str | None = None


@dataclass(frozen=True)
class ConversationSent:
    external_id: str
    channel: Channel
    type: ConversationType
    contact: Contact
    playground: bool = False
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Event:
    """A `SentEvent` built by code rather than parsed from GraphQL (the demo, the tests)."""

    idempotency_key: str
    occurred_at: datetime
    assistant_id: str
    conversation: ConversationSent
    messages: int = 0
    credits: Decimal = Decimal(0)
    text_queries: int = 0
    voice_minutes: Decimal = Decimal(0)


async def record_usage(
    settings: Settings, workspace: Workspace, events: Sequence[SentEvent]
) -> RecordOutcome:
    """Validate the whole batch, then store it atomically (see models.ledger)."""
    limit = settings.max_events_per_batch
    if not 1 <= len(events) <= limit:
        raise BadUserInput(
            f"input.events must hold 1 to {limit} events, got {len(events)}.",
            field="input.events",
        )
    records, problems = await _validate(v.Checks(settings), workspace.id, events)
    if problems:
        raise _batch_error(problems, len(events))
    try:
        return await retrying_transaction(lambda conn: _store(conn, workspace.id, records))
    except StoredConflict as conflict:
        raise _batch_error(conflict.problems, len(events)) from None
    except Exception as exc:
        if is_out_of_range(exc):
            raise BadUserInput(
                "These events would make a stored total too large (a day's sum for one "
                "assistant and channel, or a conversation's, passes 2^63 − 1 ten-thousandths); "
                "nothing was stored.",
                field="input.events",
            ) from None
        raise


async def _store(
    conn: BaseDBAsyncClient, workspace_id: int, records: list[EventRecord]
) -> RecordOutcome:
    outcome = await record_events(conn, workspace_id, records)
    if outcome.accepted:
        await after_write(conn, [workspace_id])
    return outcome


async def _validate(
    checks: v.Checks, workspace_id: int, events: Sequence[SentEvent]
) -> tuple[list[EventRecord], list[EventProblem]]:
    problems: list[EventProblem] = []
    assistant_ids = {e.assistant_id: decode_id(e.assistant_id, "Assistant") for e in events}
    known: set[int] = set(
        await Assistant.filter(
            workspace_id=workspace_id, id__in=[i for i in assistant_ids.values() if i is not None]
        ).values_list("id", flat=True)  # type: ignore[arg-type]
    )
    now = v.utcnow()
    records: list[EventRecord] = []
    first_of: dict[str, EventRecord] = {}
    first_with_key: dict[str, EventRecord] = {}
    for index, event in enumerate(events):
        try:
            record = _record(checks, index, event, assistant_ids[event.assistant_id], known, now)
        except v.FieldProblem as problem:
            problems.append(EventProblem(index, problem.field, problem.message))
            continue
        same_key = first_with_key.setdefault(record.idempotency_key, record)
        differ = differing_fields(same_key, record)
        if differ:
            problems.append(key_problem(record, differ, f"events[{same_key.index}]"))
            continue
        first = first_of.setdefault(record.conversation_external_id, record)
        disagreement = _disagreement(first, record)
        if disagreement:
            problems.append(
                EventProblem(
                    index,
                    disagreement,
                    f"conversation {record.conversation_external_id!r} has a different "
                    f"{disagreement} in events[{first.index}]; every event of a conversation "
                    "must repeat its first event's value",
                )
            )
            continue
        records.append(record)
    return records, problems


def _record(
    checks: v.Checks,
    index: int,
    event: SentEvent,
    assistant_id: int | None,
    known: set[int],
    now: datetime,
) -> EventRecord:
    conversation = event.conversation
    if assistant_id is None or assistant_id not in known:
        raise v.FieldProblem("assistantId", "does not name an assistant of this workspace")
    ended_at = conversation.ended_at
    if ended_at is not None:
        checks.not_future("conversation.endedAt", ended_at, now)
    return EventRecord(
        index=index,
        idempotency_key=checks.text("idempotencyKey", event.idempotency_key),
        occurred_at=checks.not_future("occurredAt", event.occurred_at, now),
        assistant_id=assistant_id,
        conversation_external_id=checks.text("conversation.externalId", conversation.external_id),
        channel=Channel(conversation.channel.value).value,
        type=ConversationType(conversation.type.value).value,
        contact_external_id=checks.text(
            "conversation.contact.externalId", conversation.contact.external_id
        ),
        contact_display_name=checks.optional_text(
            "conversation.contact.displayName", conversation.contact.display_name
        ),
        playground=conversation.playground,
        ended_at=ended_at,
        messages=v.count("messages", event.messages),
        credits=checks.amount("credits", event.credits),
        text_queries=v.count("textQueries", event.text_queries),
        voice_minutes=checks.amount("voiceMinutes", event.voice_minutes),
    )


def _disagreement(first: EventRecord, event: EventRecord) -> str | None:
    for field, a, b in (
        ("conversation.channel", first.channel, event.channel),
        ("conversation.type", first.type, event.type),
        ("assistantId", first.assistant_id, event.assistant_id),
        ("conversation.contact.externalId", first.contact_external_id, event.contact_external_id),
        ("conversation.playground", first.playground, event.playground),
    ):
        if a != b:
            return field
    return None


def _batch_error(problems: list[EventProblem], total: int) -> BadUserInput:
    bad = sorted({p.index for p in problems})
    shown = "; ".join(
        f"events[{p.index}].{p.field}: {p.message}" for p in problems[:_SHOWN_PROBLEMS]
    )
    more = len(problems) - _SHOWN_PROBLEMS
    suffix = f"; and {more} more" if more > 0 else ""
    return BadUserInput(
        f"{len(bad)} of {total} events are invalid and nothing was stored: {shown}{suffix}.",
        invalidEvents=[
            {"index": p.index, "field": f"events[{p.index}].{p.field}", "message": p.message}
            for p in problems
        ],
    )
