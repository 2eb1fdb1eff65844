"""Recording usage (the write path) and listing conversations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from models import Assistant, Conversation
from models.enums import Channel, ConversationType
from models.events import differing_fields, key_problem
from models.ledger import (
    EventProblem,
    EventRecord,
    RecordOutcome,
    StoredConflict,
    record_events,
)
from models.sql import is_out_of_range
from resolvers import validation as v
from resolvers.context import Context
from resolvers.dashboard import conversations_page
from resolvers.days import RangeError, resolve_range, today_in
from resolvers.errors import BadUserInput
from resolvers.ids import decode_id
from resolvers.pagination import Page
from resolvers.workspace import writable_workspace
from server.settings import settings

if TYPE_CHECKING:
    from schema.inputs import UsageEventInput

_SHOWN_PROBLEMS = 5


async def record_usage(
    ctx: Context, workspace_id: str, events: Sequence[UsageEventInput]
) -> RecordOutcome:
    """Validate the whole batch, then store it atomically (see models.ledger)."""
    workspace = await writable_workspace(ctx, workspace_id)
    limit = settings.max_events_per_batch
    if not 1 <= len(events) <= limit:
        raise BadUserInput(
            f"input.events must hold 1 to {limit} events, got {len(events)}.",
            field="input.events",
        )
    records, problems = await _validate(workspace.id, events)
    if problems:
        raise _batch_error(problems, len(events))
    try:
        return await record_events(workspace.id, records)
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


async def _validate(
    workspace_id: int, events: Sequence[UsageEventInput]
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
            record = _record(index, event, assistant_ids[event.assistant_id], known, now)
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
    index: int, event: UsageEventInput, assistant_id: int | None, known: set[int], now: Any
) -> EventRecord:
    conversation = event.conversation
    if assistant_id is None or assistant_id not in known:
        raise v.FieldProblem("assistantId", "does not name an assistant of this workspace")
    ended_at = conversation.ended_at
    if ended_at is not None:
        v.not_future("conversation.endedAt", ended_at, now)
    return EventRecord(
        index=index,
        idempotency_key=v.text("idempotencyKey", event.idempotency_key),
        occurred_at=v.not_future("occurredAt", event.occurred_at, now),
        assistant_id=assistant_id,
        conversation_external_id=v.text("conversation.externalId", conversation.external_id),
        channel=Channel(conversation.channel.value).value,
        type=ConversationType(conversation.type.value).value,
        contact_external_id=v.text(
            "conversation.contact.externalId", conversation.contact.external_id
        ),
        contact_display_name=v.optional_text(
            "conversation.contact.displayName", conversation.contact.display_name
        ),
        playground=conversation.playground,
        ended_at=ended_at,
        messages=v.count("messages", event.messages),
        credits=v.amount("credits", event.credits),
        text_queries=v.count("textQueries", event.text_queries),
        voice_minutes=v.amount("voiceMinutes", event.voice_minutes),
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


@dataclass(frozen=True)
class DayRange:
    start: date
    end: date
    timezone: str


async def resolve_range_for(
    ctx: Context, workspace_id: int, start: date | None, end: date | None
) -> DayRange:
    workspace = await ctx.loaders.workspace_by_id.get(workspace_id)
    assert workspace is not None
    today = today_in(workspace.timezone, v.utcnow())
    try:
        first, last = resolve_range(start, end, today, settings.max_range_days)
    except RangeError as exc:
        raise BadUserInput(f"{exc}.", field="range") from None
    return DayRange(first, last, workspace.timezone)


async def resolve_assistant_conversations(
    ctx: Context, assistant: Assistant, day_range: DayRange, first: int, after: str | None
) -> Page[Conversation]:
    """Live conversations whose last activity falls in the range, newest first."""
    ctx.loaders.assistant_by_id.prime(assistant.id, assistant)
    return await conversations_page(
        assistant.workspace_id,
        assistant.id,
        day_range.start,
        day_range.end,
        day_range.timezone,
        first,
        after,
    )
