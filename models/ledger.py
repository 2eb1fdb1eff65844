"""Recording usage events: ledger, conversations and rollup in one transaction.

The order of statements is what makes concurrent retries safe:

1. contacts and conversations are inserted with ON CONFLICT DO NOTHING, then the
   conversation rows are read back (locked FOR UPDATE on PostgreSQL), so everything
   after this point is serialized per conversation;
2. events are inserted with ON CONFLICT (workspace_id, idempotency_key) DO NOTHING
   RETURNING their key: the unique index, not an earlier read, decides what is new;
3. only the new events are folded into their conversations and into `daily_usage`
   (increment upserts), including moving "conversations started" when an early
   event moves a conversation's start to another local day.

Rows are always written in sorted key order so concurrent batches lock in the same
order, and a deadlock or serialization failure retries the whole transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from models.calls import call_days, call_end, refresh_call_peaks
from models.rules.tz import local_date
from models.sql import (
    as_date,
    as_datetime,
    execute,
    in_list,
    insert_rows,
    is_postgres,
    query,
    update_rows,
    utc,
)

CONNECTION = "default"
_MAX_ATTEMPTS = 4
#: Rows per multi-row INSERT; keeps every statement under both databases' parameter limits.
_CHUNK = 2000

CONVERSATION_COLUMNS = [
    ("workspace_id", "int"), ("external_id", "text"), ("channel", "text"), ("type", "text"),
    ("assistant_id", "int"), ("contact_id", "int"), ("playground", "boolean"),
    ("started_at", "timestamptz"), ("start_local_date", "date"),
    ("last_activity_at", "timestamptz"), ("last_local_date", "date"),
    ("ended_at", "timestamptz"), ("messages", "bigint"),
]  # fmt: skip
EVENT_COLUMNS = [
    ("workspace_id", "int"), ("idempotency_key", "text"), ("conversation_id", "bigint"),
    ("assistant_id", "int"), ("occurred_at", "timestamptz"), ("local_date", "date"),
    ("messages", "bigint"), ("credits", "bigint"), ("text_queries", "bigint"),
    ("voice_minutes", "bigint"),
]  # fmt: skip
#: What a new event can change on its conversation; the row's id comes last.
CONVERSATION_UPDATES = [
    ("started_at", "timestamptz"), ("start_local_date", "date"),
    ("last_activity_at", "timestamptz"), ("last_local_date", "date"),
    ("ended_at", "timestamptz"), ("messages", "bigint"), ("id", "bigint"),
]  # fmt: skip
ROLLUP_COLUMNS = [
    ("workspace_id", "int"), ("local_date", "date"), ("assistant_id", "int"),
    ("channel", "text"), ("credits", "bigint"), ("messages", "bigint"),
    ("conversations_started", "bigint"), ("text_queries", "bigint"),
    ("voice_minutes", "bigint"), ("conversations_last_active", "bigint"),
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


@dataclass(frozen=True)
class RecordOutcome:
    accepted: int
    duplicates: int


@dataclass(frozen=True)
class EventProblem:
    index: int
    field: str
    message: str


class ConversationConflict(Exception):
    """Events that disagree with a conversation as it was first recorded."""

    def __init__(self, problems: list[EventProblem]) -> None:
        super().__init__(f"{len(problems)} events disagree with stored conversations")
        self.problems = problems


RollupKey = tuple[date, int, str]  # (local_date, assistant_id, channel)


@dataclass
class RollupDelta:
    credits: int = 0
    messages: int = 0
    conversations_started: int = 0
    conversations_last_active: int = 0
    text_queries: int = 0
    voice_minutes: int = 0

    def add_event(self, event: EventRecord) -> None:
        self.credits += event.credits
        self.messages += event.messages
        self.text_queries += event.text_queries
        self.voice_minutes += event.voice_minutes


@dataclass
class _ConversationState:
    id: int
    started_at: datetime
    start_local_date: date
    last_activity_at: datetime
    last_local_date: date
    ended_at: datetime | None
    messages: int
    created_now: bool
    attributes: dict[str, Any] = field(default_factory=dict)

    def values(self) -> tuple[Any, ...]:
        return (
            self.started_at,
            self.start_local_date,
            self.last_activity_at,
            self.last_local_date,
            self.ended_at,
            self.messages,
        )


def conversation_attributes(event: EventRecord, contact_id: int) -> dict[str, Any]:
    """What a conversation takes from its first event, and every later one must repeat."""
    return {
        "channel": event.channel,
        "type": event.type,
        "assistant_id": event.assistant_id,
        "contact_id": contact_id,
        "playground": event.playground,
    }


async def record_events(workspace_id: int, events: Sequence[EventRecord]) -> RecordOutcome:
    """Store a validated batch atomically; events with a known key count as duplicates."""
    attempt = 0
    while True:
        attempt += 1
        try:
            async with in_transaction(CONNECTION) as conn:
                return await _record(conn, workspace_id, events)
        except Exception as exc:
            if attempt < _MAX_ATTEMPTS and _is_retryable(exc):
                continue
            raise


def _is_retryable(exc: BaseException) -> bool:
    """Deadlocks and serialization failures (SQLSTATE 40P01, 40001) are worth a retry."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "sqlstate", None) in ("40P01", "40001"):
            return True
        nested = [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
        current = current.__cause__ or current.__context__ or (nested[0] if nested else None)
    return False


async def _record(
    conn: BaseDBAsyncClient, workspace_id: int, events: Sequence[EventRecord]
) -> RecordOutcome:
    lock = " FOR SHARE" if is_postgres(conn) else ""
    if is_postgres(conn):
        # Plan each write statement for its own values. asyncpg prepares statements and
        # PostgreSQL settles on a generic plan after five runs: chosen while a new
        # workspace's tables were tiny, it kept scanning them whole as an import grew them
        # (measured: 12,700 → 8,000 events/s over a 100k-event import; with custom plans it
        # held 9,000–11,700). Reads keep their cached plans.
        await execute(conn, "SET LOCAL plan_cache_mode = force_custom_plan")
    ws = await query(
        conn, f'SELECT "timezone" FROM "workspace" WHERE "id" = ?{lock}', [workspace_id]
    )
    tz = str(ws[0]["timezone"])

    first_by_key: dict[str, EventRecord] = {}
    for event in events:
        first_by_key.setdefault(event.idempotency_key, event)
    unique_events = list(first_by_key.values())
    local = {e.index: local_date(e.occurred_at, tz) for e in unique_events}

    contact_ids = await _upsert_contacts(conn, workspace_id, unique_events)
    by_conversation: dict[str, list[EventRecord]] = defaultdict(list)
    for event in unique_events:
        by_conversation[event.conversation_external_id].append(event)
    states = await _lock_conversations(conn, workspace_id, by_conversation, contact_ids, tz)

    new_keys = await _insert_events(conn, workspace_id, unique_events, states, local)
    new_events = [e for e in unique_events if e.idempotency_key in new_keys]

    await _fold(conn, workspace_id, new_events, states, local, tz)
    return RecordOutcome(accepted=len(new_events), duplicates=len(events) - len(new_events))


async def _upsert_contacts(
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
    found = await _select_in(conn, select, [workspace_id], '"external_id"', keys)
    missing = sorted(set(keys) - {str(r["external_id"]) for r in found})
    if missing:
        await insert_rows(
            conn,
            "contact",
            [("workspace_id", "int"), ("external_id", "text"), ("display_name", "text")],
            [(workspace_id, k, names[k]) for k in missing],
            'ON CONFLICT ("workspace_id", "external_id") DO NOTHING',
        )
        found += await _select_in(conn, select, [workspace_id], '"external_id"', missing)
    named_later = [
        (names[r["external_id"]], r["id"])
        for r in found
        if r["display_name"] is None and names[r["external_id"]] is not None
    ]
    await update_rows(conn, "contact", [("display_name", "text"), ("id", "int")], named_later)
    return {str(r["external_id"]): int(r["id"]) for r in found}


async def _lock_conversations(
    conn: BaseDBAsyncClient,
    workspace_id: int,
    by_conversation: dict[str, list[EventRecord]],
    contact_ids: dict[str, int],
    tz: str,
) -> dict[str, _ConversationState]:
    """Make sure every conversation row exists, then read them back locked."""
    keys = sorted(by_conversation)
    rows: list[tuple[Any, ...]] = []
    for key in keys:
        batch = by_conversation[key]
        first = batch[0]
        started = min(e.occurred_at for e in batch)
        last = max(e.occurred_at for e in batch)
        ended = [e.ended_at for e in batch if e.ended_at is not None]
        rows.append((
            workspace_id, key, first.channel, first.type, first.assistant_id,
            contact_ids[first.contact_external_id], first.playground,
            utc(started), local_date(started, tz), utc(last), local_date(last, tz),
            utc(max(ended)) if ended else None, sum(e.messages for e in batch),
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
    found = await _select_in(
        conn,
        'SELECT "id", "external_id", "channel", "type", "assistant_id", "contact_id", '
        '"playground", "started_at", "start_local_date", "last_activity_at", "ended_at", '
        '"messages" FROM "conversation" WHERE "workspace_id" = ?',
        [workspace_id],
        '"external_id"',
        keys,
        suffix=f' ORDER BY "id"{lock}',
    )
    states: dict[str, _ConversationState] = {}
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
        for event in by_conversation[key]:
            sent = conversation_attributes(event, contact_ids[event.contact_external_id])
            for attr, value in stored.items():
                if sent[attr] != value:
                    problems.append(_conflict(event, attr, value, sent[attr]))
        ended = row["ended_at"]
        states[key] = _ConversationState(
            id=int(row["id"]),
            started_at=as_datetime(row["started_at"]),
            start_local_date=as_date(row["start_local_date"]),
            last_activity_at=as_datetime(row["last_activity_at"]),
            last_local_date=local_date(as_datetime(row["last_activity_at"]), tz),
            ended_at=as_datetime(ended) if ended is not None else None,
            messages=int(row["messages"]),
            created_now=key in created,
            attributes=stored,
        )
    if problems:
        raise ConversationConflict(problems)
    return states


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


async def _insert_events(
    conn: BaseDBAsyncClient,
    workspace_id: int,
    events: list[EventRecord],
    states: dict[str, _ConversationState],
    local: dict[int, date],
) -> set[str]:
    ordered = sorted(events, key=lambda e: e.idempotency_key)
    rows = [
        (workspace_id, e.idempotency_key, states[e.conversation_external_id].id, e.assistant_id,
         utc(e.occurred_at), local[e.index], e.messages, e.credits, e.text_queries,
         e.voice_minutes)
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


async def _fold(
    conn: BaseDBAsyncClient,
    workspace_id: int,
    new_events: list[EventRecord],
    states: dict[str, _ConversationState],
    local: dict[int, date],
    tz: str,
) -> None:
    """Fold only the new events into conversations and the rollup."""
    new_by_conversation: dict[str, list[EventRecord]] = defaultdict(list)
    for event in new_events:
        new_by_conversation[event.conversation_external_id].append(event)

    deltas: dict[RollupKey, RollupDelta] = defaultdict(RollupDelta)
    #: Local days on which a call that changed was, or is now, active.
    call_changed: set[date] = set()
    updates: list[tuple[Any, ...]] = []
    orphans: list[int] = []
    for key, state in sorted(states.items()):
        fresh = new_by_conversation.get(key, [])
        if not fresh:
            if state.created_now:
                # Every event of this new conversation was a duplicate of another one's key.
                orphans.append(state.id)
            continue
        # As stored: for a conversation this batch created, the row the insert wrote from
        # the batch's events, so it needs no UPDATE unless some of them were duplicates.
        before = state.values()
        is_call = state.attributes["channel"] == "PHONE" and not state.attributes["playground"]
        if is_call and not state.created_now:
            call_changed |= _call_days(state, tz)
        old_start_day = None if state.created_now else state.start_local_date
        old_last_day = None if state.created_now else state.last_local_date
        _apply(state, fresh, tz)
        if is_call:
            call_changed |= _call_days(state, tz)
        if state.values() != before:
            updates.append((*_utc_values(state), state.id))
        if state.attributes["playground"]:
            continue
        assistant_id = int(state.attributes["assistant_id"])
        channel = str(state.attributes["channel"])
        for event in fresh:
            deltas[(local[event.index], assistant_id, channel)].add_event(event)
        if old_start_day != state.start_local_date:
            if old_start_day is not None:
                deltas[(old_start_day, assistant_id, channel)].conversations_started -= 1
            deltas[(state.start_local_date, assistant_id, channel)].conversations_started += 1
        if old_last_day != state.last_local_date:
            if old_last_day is not None:
                deltas[(old_last_day, assistant_id, channel)].conversations_last_active -= 1
            deltas[(state.last_local_date, assistant_id, channel)].conversations_last_active += 1

    await update_rows(conn, "conversation", CONVERSATION_UPDATES, updates)
    for orphan in orphans:
        await execute(conn, 'DELETE FROM "conversation" WHERE "id" = ?', [orphan])
    await add_to_rollup(conn, workspace_id, deltas)
    await refresh_call_peaks(conn, workspace_id, tz, call_changed)


def _call_days(state: _ConversationState, tz: str) -> set[date]:
    ends = call_end(state.started_at, state.ended_at, state.last_activity_at)
    return call_days(state.started_at, ends, tz)


def _apply(state: _ConversationState, fresh: list[EventRecord], tz: str) -> None:
    """The conversation's aggregates after these new events (a new one starts empty)."""
    starts = [e.occurred_at for e in fresh]
    ends = [e.ended_at for e in fresh if e.ended_at is not None]
    messages = sum(e.messages for e in fresh)
    if state.created_now:
        state.started_at, state.last_activity_at = min(starts), max(starts)
        state.ended_at = max(ends) if ends else None
        state.messages = messages
    else:
        state.started_at = min(state.started_at, *starts)
        state.last_activity_at = max(state.last_activity_at, *starts)
        if ends:
            state.ended_at = max(ends) if state.ended_at is None else max(state.ended_at, *ends)
        state.messages += messages
    state.start_local_date = local_date(state.started_at, tz)
    state.last_local_date = local_date(state.last_activity_at, tz)
    state.created_now = False


def _utc_values(state: _ConversationState) -> tuple[Any, ...]:
    return (
        utc(state.started_at),
        state.start_local_date,
        utc(state.last_activity_at),
        state.last_local_date,
        utc(state.ended_at) if state.ended_at is not None else None,
        state.messages,
    )


async def add_to_rollup(
    conn: BaseDBAsyncClient, workspace_id: int, deltas: dict[RollupKey, RollupDelta]
) -> None:
    """Increment-upsert the rollup rows, in key order so concurrent writers never deadlock.

    A key with an all-zero delta is written too: a rollup row exists exactly where the ledger
    has a live event, as a recomputation from the ledger would have it."""
    rows = [
        (workspace_id, day, assistant_id, channel, d.credits, d.messages,
         d.conversations_started, d.text_queries, d.voice_minutes, d.conversations_last_active)
        for (day, assistant_id, channel), d in sorted(deltas.items())
    ]  # fmt: skip
    await insert_rows(
        conn,
        "daily_usage",
        ROLLUP_COLUMNS,
        rows,
        'ON CONFLICT ("workspace_id", "local_date", "assistant_id", "channel") DO UPDATE SET '
        '"credits" = "daily_usage"."credits" + excluded."credits", '
        '"messages" = "daily_usage"."messages" + excluded."messages", '
        '"conversations_started" = "daily_usage"."conversations_started" '
        '+ excluded."conversations_started", '
        '"text_queries" = "daily_usage"."text_queries" + excluded."text_queries", '
        '"voice_minutes" = "daily_usage"."voice_minutes" + excluded."voice_minutes", '
        '"conversations_last_active" = "daily_usage"."conversations_last_active" '
        '+ excluded."conversations_last_active"',
    )


async def _select_in(
    conn: BaseDBAsyncClient,
    sql: str,
    values: list[Any],
    column: str,
    keys: Sequence[str],
    suffix: str = "",
) -> list[dict[str, Any]]:
    """`sql AND column IN keys suffix`: one statement on PostgreSQL, chunks on SQLite."""
    found: list[dict[str, Any]] = []
    for chunk in [keys] if is_postgres(conn) else _chunks(list(keys)):
        condition, keyed = in_list(conn, column, chunk, "text")
        found += await query(conn, f"{sql} AND {condition}{suffix}", [*values, *keyed])
    return found


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
