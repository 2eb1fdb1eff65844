"""The contacts and conversations a batch of events names: created when new, then read back
locked, checked against the batch, and folded with the batch's new events."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.calls import CallShape, call_shape
from models.events import EventProblem, EventRecord
from models.rules.tz import local_date
from models.sql import as_date, as_datetime, insert_rows, is_postgres, select_in, update_rows, utc

CONVERSATION_COLUMNS = [
    ("workspace_id", "int"), ("external_id", "text"), ("channel", "text"), ("type", "text"),
    ("assistant_id", "int"), ("contact_id", "int"), ("playground", "boolean"),
    ("started_at", "timestamptz"), ("start_local_date", "date"),
    ("last_activity_at", "timestamptz"), ("last_local_date", "date"),
    ("ended_at", "timestamptz"), ("messages", "bigint"),
    ("call_start_slot", "bigint"), ("call_end_slot", "bigint"),
]  # fmt: skip
#: What a new event can change on its conversation; the row's id comes last.
CONVERSATION_UPDATES = [
    ("started_at", "timestamptz"), ("start_local_date", "date"),
    ("last_activity_at", "timestamptz"), ("last_local_date", "date"),
    ("ended_at", "timestamptz"), ("messages", "bigint"),
    ("call_start_slot", "bigint"), ("call_end_slot", "bigint"), ("id", "bigint"),
]  # fmt: skip


@dataclass
class ConversationState:
    id: int
    started_at: datetime
    start_local_date: date
    last_activity_at: datetime
    last_local_date: date
    ended_at: datetime | None
    messages: int
    created_now: bool
    attributes: dict[str, Any] = field(default_factory=dict)
    #: Where a live call's edges are in the daily peaks (models.calls); None otherwise.
    call_slots: tuple[int | None, int | None] = (None, None)

    def values(self) -> tuple[Any, ...]:
        return (
            self.started_at,
            self.start_local_date,
            self.last_activity_at,
            self.last_local_date,
            self.ended_at,
            self.messages,
            *self.call_slots,
        )

    def utc_values(self) -> tuple[Any, ...]:
        """`values()` as written (instants in UTC), then the row's id: CONVERSATION_UPDATES."""
        ended = utc(self.ended_at) if self.ended_at is not None else None
        return (utc(self.started_at), self.start_local_date, utc(self.last_activity_at),
                self.last_local_date, ended, self.messages, *self.call_slots,
                self.id)  # fmt: skip

    @property
    def is_call(self) -> bool:
        """A live PHONE conversation: it counts towards the concurrent-calls peaks."""
        return self.attributes["channel"] == "PHONE" and not self.attributes["playground"]

    def call_shape(self, tz: str) -> CallShape:
        return call_shape(self.started_at, self.ended_at, self.last_activity_at, tz)

    def apply(self, fresh: list[EventRecord], tz: str) -> None:
        """The aggregates after these new events (a conversation created now starts empty)."""
        starts = [e.occurred_at for e in fresh]
        ends = [e.ended_at for e in fresh if e.ended_at is not None]
        messages = sum(e.messages for e in fresh)
        if self.created_now:
            self.started_at, self.last_activity_at = min(starts), max(starts)
            self.ended_at = max(ends) if ends else None
            self.messages = messages
        else:
            self.started_at = min(self.started_at, *starts)
            self.last_activity_at = max(self.last_activity_at, *starts)
            if ends:
                self.ended_at = max(ends) if self.ended_at is None else max(self.ended_at, *ends)
            self.messages += messages
        self.start_local_date = local_date(self.started_at, tz)
        self.last_local_date = local_date(self.last_activity_at, tz)
        self.call_slots = self.call_shape(tz).slots if self.is_call else (None, None)
        self.created_now = False


def conversation_attributes(event: EventRecord, contact_id: int) -> dict[str, Any]:
    """What a conversation takes from its first event, and every later one must repeat."""
    return {
        "channel": event.channel,
        "type": event.type,
        "assistant_id": event.assistant_id,
        "contact_id": contact_id,
        "playground": event.playground,
    }


async def upsert_contacts(
    conn: BaseDBAsyncClient, workspace_id: int, events: Iterable[EventRecord]
) -> dict[str, int]:
    names: dict[str, str | None] = {}
    for event in events:
        if names.get(event.contact_external_id) is None:
            names[event.contact_external_id] = event.contact_display_name
    keys = sorted(names)
    # Known contacts are only read: inserting them again (ON CONFLICT DO NOTHING) would
    # wait on every concurrent batch that named the same contact until it commits
    # (measured: 280–340 ms a batch with 4 clients, most of the write's time).
    select = 'SELECT "id", "external_id", "display_name" FROM "contact" WHERE "workspace_id" = ?'
    found = await select_in(conn, select, [workspace_id], '"external_id"', keys)
    missing = sorted(set(keys) - {str(r["external_id"]) for r in found})
    if missing:
        await insert_rows(
            conn,
            "contact",
            [("workspace_id", "int"), ("external_id", "text"), ("display_name", "text")],
            [(workspace_id, k, names[k]) for k in missing],
            'ON CONFLICT ("workspace_id", "external_id") DO NOTHING',
        )
        found += await select_in(conn, select, [workspace_id], '"external_id"', missing)
    named_later = [
        (names[r["external_id"]], r["id"])
        for r in found
        if r["display_name"] is None and names[r["external_id"]] is not None
    ]
    await update_rows(conn, "contact", [("display_name", "text"), ("id", "int")], named_later)
    return {str(r["external_id"]): int(r["id"]) for r in found}


async def lock_conversations(
    conn: BaseDBAsyncClient,
    workspace_id: int,
    by_conversation: dict[str, list[EventRecord]],
    contact_ids: dict[str, int],
    tz: str,
) -> tuple[dict[str, ConversationState], list[EventProblem]]:
    """Make sure every conversation row exists, then read them back locked (in key order);
    also every event that disagrees with its stored conversation."""
    keys = sorted(by_conversation)
    rows: list[tuple[Any, ...]] = []
    for key in keys:
        batch = by_conversation[key]
        first = batch[0]
        started = min(e.occurred_at for e in batch)
        last = max(e.occurred_at for e in batch)
        ended = [e.ended_at for e in batch if e.ended_at is not None]
        end = max(ended) if ended else None
        is_call = first.channel == "PHONE" and not first.playground
        slots = call_shape(started, end, last, tz).slots if is_call else (None, None)
        rows.append((
            workspace_id, key, first.channel, first.type, first.assistant_id,
            contact_ids[first.contact_external_id], first.playground,
            utc(started), local_date(started, tz), utc(last), local_date(last, tz),
            utc(end) if end else None, sum(e.messages for e in batch), *slots,
        ))  # fmt: skip
    inserted = await insert_rows(
        conn,
        "conversation",
        CONVERSATION_COLUMNS,
        rows,
        'ON CONFLICT ("workspace_id", "external_id") DO NOTHING RETURNING "external_id"',
    )
    created = {str(r["external_id"]) for r in inserted}

    lock = " FOR UPDATE" if is_postgres(conn) else ""
    found = await select_in(
        conn,
        'SELECT "id", "external_id", "channel", "type", "assistant_id", "contact_id", '
        '"playground", "started_at", "start_local_date", "last_activity_at", "ended_at", '
        '"messages", "call_start_slot", "call_end_slot" FROM "conversation" '
        'WHERE "workspace_id" = ?',
        [workspace_id],
        '"external_id"',
        keys,
        suffix=f' ORDER BY "id"{lock}',
    )
    states: dict[str, ConversationState] = {}
    problems: list[EventProblem] = []
    for row in found:
        key = str(row["external_id"])
        stored = {
            "channel": row["channel"],
            "type": row["type"],
            "assistant_id": int(row["assistant_id"]),
            "contact_id": int(row["contact_id"]),
            "playground": bool(row["playground"]),
        }
        started = as_datetime(row["started_at"])
        start = min(started, *(e.occurred_at for e in by_conversation[key]))
        for event in by_conversation[key]:
            sent = conversation_attributes(event, contact_ids[event.contact_external_id])
            for attr, value in stored.items():
                if sent[attr] != value:
                    problems.append(_conflict(event, attr, value, sent[attr]))
            if event.ended_at is not None and event.ended_at < start:
                problems.append(ended_before_start(event, start))
        ended = row["ended_at"]
        states[key] = ConversationState(
            id=int(row["id"]),
            started_at=started,
            start_local_date=as_date(row["start_local_date"]),
            last_activity_at=as_datetime(row["last_activity_at"]),
            last_local_date=local_date(as_datetime(row["last_activity_at"]), tz),
            ended_at=as_datetime(ended) if ended is not None else None,
            messages=int(row["messages"]),
            created_now=key in created,
            attributes=stored,
            call_slots=(_maybe_int(row["call_start_slot"]), _maybe_int(row["call_end_slot"])),
        )
    return states, problems


def _maybe_int(value: Any) -> int | None:
    return None if value is None else int(value)


def ended_before_start(event: EventRecord, started: datetime) -> EventProblem:
    """The problem of an event whose endedAt lies before its conversation's start (the
    earliest occurredAt of its events, stored or sent)."""
    return EventProblem(
        index=event.index,
        field="conversation.endedAt",
        message=(
            f"is before the start of conversation {event.conversation_external_id!r} "
            f"({started.isoformat()}, its earliest occurredAt)"
        ),
    )


_ATTRIBUTE_FIELDS = {
    "channel": "conversation.channel",
    "type": "conversation.type",
    "assistant_id": "assistantId",
    "contact_id": "conversation.contact.externalId",
    "playground": "conversation.playground",
}


#: Attributes whose values may be shown back (the others are internal ids).
_SHOWN_ATTRIBUTES = frozenset({"channel", "type", "playground"})


def _conflict(event: EventRecord, attr: str, stored: Any, sent: Any) -> EventProblem:
    field_name = _ATTRIBUTE_FIELDS[attr]
    values = (
        f" ({_shown(stored)}, this event says {_shown(sent)})" if attr in _SHOWN_ATTRIBUTES else ""
    )
    return EventProblem(
        index=event.index,
        field=field_name,
        message=(
            f"conversation {event.conversation_external_id!r} was recorded with a different "
            f"{field_name}{values}; every event of a conversation must repeat its first "
            "event's value"
        ),
    )


def _shown(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
