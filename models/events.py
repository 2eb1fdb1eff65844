"""Usage events as the write path sees them: a validated event, its content, and the rule that
an idempotency key names one event forever (the same key with other content is bad input)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.sql import as_datetime, insert_rows, select_in, utc

EVENT_COLUMNS = [
    ("workspace_id", "int"), ("idempotency_key", "text"), ("conversation_id", "bigint"),
    ("assistant_id", "int"), ("occurred_at", "timestamptz"), ("local_date", "date"),
    ("messages", "bigint"), ("credits", "bigint"), ("text_queries", "bigint"),
    ("voice_minutes", "bigint"), ("ended_at", "timestamptz"), ("ended_at_known", "boolean"),
]  # fmt: skip


@dataclass(frozen=True)
class EventRecord:
    """One validated event, amounts already in minor units."""

    index: int
    idempotency_key: str
    occurred_at: datetime
    assistant_id: int
    conversation_external_id: str
    channel: str
    type: str
    contact_external_id: str
    contact_display_name: str | None
    playground: bool
    ended_at: datetime | None
    messages: int
    credits: int
    text_queries: int
    voice_minutes: int

    #: A sent event always has its endedAt (null or not); see StoredEvent.
    ended_at_known = True


@dataclass(frozen=True)
class StoredEvent:
    """An event's content as the ledger holds it."""

    occurred_at: datetime
    assistant_id: int
    conversation_external_id: str
    channel: str
    type: str
    contact_external_id: str
    playground: bool
    ended_at: datetime | None
    #: False for events stored before endedAt was kept per event (migration 0005).
    ended_at_known: bool
    messages: int
    credits: int
    text_queries: int
    voice_minutes: int


Content = EventRecord | StoredEvent

#: An event's content, as (the API's field name, the attribute): what a key names forever.
CONTENT_FIELDS = [
    ("occurredAt", "occurred_at"),
    ("assistantId", "assistant_id"),
    ("conversation.externalId", "conversation_external_id"),
    ("conversation.channel", "channel"),
    ("conversation.type", "type"),
    ("conversation.playground", "playground"),
    ("conversation.endedAt", "ended_at"),
    ("conversation.contact.externalId", "contact_external_id"),
    ("messages", "messages"),
    ("credits", "credits"),
    ("textQueries", "text_queries"),
    ("voiceMinutes", "voice_minutes"),
]


def differing_fields(first: Content, other: Content) -> list[str]:
    """The content fields in which two events differ (instants compare as instants). An
    endedAt that was never kept (`ended_at_known` false) matches any."""
    out: list[str] = []
    for name, attr in CONTENT_FIELDS:
        if attr == "ended_at" and not (first.ended_at_known and other.ended_at_known):
            continue
        if getattr(first, attr) != getattr(other, attr):
            out.append(name)
    return out


@dataclass(frozen=True)
class EventProblem:
    index: int
    field: str
    message: str


class StoredConflict(Exception):
    """Events that disagree with what is stored: a conversation as it was first recorded,
    or an event stored under the same idempotency key."""

    def __init__(self, problems: list[EventProblem]) -> None:
        super().__init__(f"{len(problems)} events disagree with stored data")
        self.problems = problems


def key_problem(event: EventRecord, fields: list[str], where: str) -> EventProblem:
    """`where`: what else the key names ("a stored event", "events[3]")."""
    return EventProblem(
        index=event.index,
        field="idempotencyKey",
        message=(
            f"idempotency key {event.idempotency_key!r} already names {where}, with a "
            f"different {', '.join(fields)}; a key names one event forever"
        ),
    )


async def insert_events(
    conn: BaseDBAsyncClient,
    workspace_id: int,
    events: list[EventRecord],
    conversation_ids: dict[str, int],
    local: dict[int, date],
) -> set[str]:
    """Insert the events whose key is new (the unique index decides, also against concurrent
    writers); returns their keys."""
    ordered = sorted(events, key=lambda e: e.idempotency_key)
    rows = [
        (workspace_id, e.idempotency_key, conversation_ids[e.conversation_external_id],
         e.assistant_id, utc(e.occurred_at), local[e.index], e.messages, e.credits,
         e.text_queries, e.voice_minutes, utc(e.ended_at) if e.ended_at else None, True)
        for e in ordered
    ]  # fmt: skip
    inserted = await insert_rows(
        conn,
        "usage_event",
        EVENT_COLUMNS,
        rows,
        'ON CONFLICT ("workspace_id", "idempotency_key") DO NOTHING RETURNING "idempotency_key"',
    )
    return {str(r["idempotency_key"]) for r in inserted}


_STORED_SQL = (
    'SELECT e."idempotency_key", e."occurred_at", e."assistant_id", e."ended_at", '
    'e."ended_at_known", e."messages", e."credits", e."text_queries", e."voice_minutes", '
    'c."external_id" AS "conversation", c."channel", c."type", c."playground", '
    'k."external_id" AS "contact" '
    'FROM "usage_event" e JOIN "conversation" c ON c."id" = e."conversation_id" '
    'JOIN "contact" k ON k."id" = c."contact_id" WHERE e."workspace_id" = ?'
)


async def stored_content_problems(
    conn: BaseDBAsyncClient, workspace_id: int, duplicates: Sequence[EventRecord]
) -> list[EventProblem]:
    """Every event whose key is stored with other content.

    Called after the insert: for a key a concurrent writer inserted, the insert waited for
    that writer's commit, so this read (a later statement) sees the winner's content."""
    if not duplicates:
        return []
    keys = sorted(e.idempotency_key for e in duplicates)
    rows = await select_in(conn, _STORED_SQL, [workspace_id], 'e."idempotency_key"', keys)
    stored = {str(r["idempotency_key"]): _stored_event(r) for r in rows}
    problems: list[EventProblem] = []
    for event in duplicates:
        fields = differing_fields(stored[event.idempotency_key], event)
        if fields:
            problems.append(key_problem(event, fields, "a stored event"))
    return problems


def _stored_event(row: dict[str, Any]) -> StoredEvent:
    ended = row["ended_at"]
    return StoredEvent(
        occurred_at=as_datetime(row["occurred_at"]),
        assistant_id=int(row["assistant_id"]),
        conversation_external_id=str(row["conversation"]),
        channel=str(row["channel"]),
        type=str(row["type"]),
        contact_external_id=str(row["contact"]),
        playground=bool(row["playground"]),
        ended_at=as_datetime(ended) if ended is not None else None,
        ended_at_known=bool(row["ended_at_known"]),
        messages=int(row["messages"]),
        credits=int(row["credits"]),
        text_queries=int(row["text_queries"]),
        voice_minutes=int(row["voice_minutes"]),
    )
