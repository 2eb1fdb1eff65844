"""Recording usage events: ledger, conversations, call peaks and rollup in one transaction.

The statements, in order, and why each is where it is:

1. `SET LOCAL plan_cache_mode` (PostgreSQL): custom plans for this transaction's writes.
2. The workspace row FOR SHARE (its time zone): a concurrent time-zone change waits.
3. Contacts: the known ones read, the missing ones inserted (ON CONFLICT DO NOTHING).
4. Conversations: the new ones inserted (ON CONFLICT DO NOTHING), then all of the batch's
   read back FOR UPDATE in key order: from here on, writers of one conversation take turns.
   Events that disagree with their conversation are collected (not raised yet).
5. Events: inserted with ON CONFLICT (workspace_id, idempotency_key) DO NOTHING RETURNING
   their key: the unique index, not an earlier read, decides what is new. The keys that were
   not new are read back and compared with what was sent (models.events): a key names one
   event forever. For a key a concurrent writer inserted, the insert waited for its commit,
   so this later statement sees the winner's content. Any disagreement raises StoredConflict
   now, and the transaction rolls back.
6. Conversations: one UPDATE of the aggregates (and call slots) the new events changed.

Up to here the rows written or locked are those the batch names (its contacts,
conversations and events): writers of one workspace wait for each other only when they name
the same ones, however long this part takes. What follows are rows that many writers share;
their locks are held until COMMIT, so they come last, each set in key order (no deadlocks),
and nothing slow comes after them:

7. Call peaks (models.calls): the rows of the days whose calls changed, missing ones
   inserted, then all locked (SELECT … FOR UPDATE in (day, assistant) order); then the
   calls with an edge in the changed slots; then one UPDATE of the days' peaks. Only
   writers of the same day wait for each other.
8. The daily rollup: increment upserts in key order.

The caller (resolvers.ingest) then ends the transaction with resolvers.changes.after_write:

9. The workspace's version bump (models.changes), the one row every writer of a workspace
   shares, as the last write: writers of one workspace take turns only from here to COMMIT.
10. What reads the figures as this write leaves them (alerts), after the bump, so its reads
   see every earlier writer of the workspace.
11. COMMIT. A deadlock or serialization failure runs the whole transaction again
   (models.sql.retrying_transaction).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from tortoise.backends.base.client import BaseDBAsyncClient

from models.calls import CallChanges, apply_call_changes
from models.conversations import (
    CONVERSATION_UPDATES,
    ConversationState,
    lock_conversations,
    upsert_contacts,
)
from models.events import (
    EventProblem,
    EventRecord,
    StoredConflict,
    insert_events,
    stored_content_problems,
)
from models.rollup import RollupDelta, RollupKey, add_to_rollup
from models.rules.tz import local_date
from models.sql import execute, is_postgres, query, update_rows

__all__ = ["EventProblem", "EventRecord", "RecordOutcome", "StoredConflict", "record_events"]


@dataclass(frozen=True)
class RecordOutcome:
    accepted: int
    duplicates: int


async def record_events(
    conn: BaseDBAsyncClient, workspace_id: int, events: Sequence[EventRecord]
) -> RecordOutcome:
    """Store a validated batch in the caller's transaction (see the statement order above);
    events with a known key count as duplicates."""
    return await _record(conn, workspace_id, events)


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

    # Events of one batch under one key have the same content (resolvers.ingest checks it).
    first_by_key: dict[str, EventRecord] = {}
    for event in events:
        first_by_key.setdefault(event.idempotency_key, event)
    unique_events = list(first_by_key.values())
    local = {e.index: local_date(e.occurred_at, tz) for e in unique_events}

    contact_ids = await upsert_contacts(conn, workspace_id, unique_events)
    by_conversation: dict[str, list[EventRecord]] = defaultdict(list)
    for event in unique_events:
        by_conversation[event.conversation_external_id].append(event)
    states, problems = await lock_conversations(
        conn, workspace_id, by_conversation, contact_ids, tz
    )

    conversation_ids = {key: state.id for key, state in states.items()}
    new_keys = await insert_events(conn, workspace_id, unique_events, conversation_ids, local)
    new_events = [e for e in unique_events if e.idempotency_key in new_keys]
    reused = await stored_content_problems(
        conn, workspace_id, [e for e in unique_events if e.idempotency_key not in new_keys]
    )
    if problems or reused:
        # A reused key explains all that differs in its event; the rest is rolled back.
        named = {p.index for p in reused}
        kept = [p for p in problems if p.index not in named]
        raise StoredConflict(sorted([*kept, *reused], key=lambda p: p.index))

    await _fold(conn, workspace_id, new_events, states, local, tz)
    return RecordOutcome(accepted=len(new_events), duplicates=len(events) - len(new_events))


async def _fold(
    conn: BaseDBAsyncClient,
    workspace_id: int,
    new_events: list[EventRecord],
    states: dict[str, ConversationState],
    local: dict[int, date],
    tz: str,
) -> None:
    """Fold only the new events into conversations and the rollup. Every conversation has a
    new event here: one whose events were all stored already existed before this batch (an
    event's conversation is part of its content)."""
    new_by_conversation: dict[str, list[EventRecord]] = defaultdict(list)
    for event in new_events:
        new_by_conversation[event.conversation_external_id].append(event)

    deltas: dict[RollupKey, RollupDelta] = defaultdict(RollupDelta)
    calls = CallChanges()
    updates: list[tuple[object, ...]] = []
    for key, state in sorted(states.items()):
        fresh = new_by_conversation.get(key, [])
        if not fresh:
            continue
        # As stored: for a conversation this batch created, the row the insert wrote from
        # the batch's events, so it needs no UPDATE unless some of them were duplicates.
        before = state.values()
        shape = state.call_shape(tz) if state.is_call and not state.created_now else None
        old_start_day = None if state.created_now else state.start_local_date
        old_last_day = None if state.created_now else state.last_local_date
        state.apply(fresh, tz)
        if state.is_call:
            calls.add(int(state.attributes["assistant_id"]), shape, state.call_shape(tz))
        if state.values() != before:
            updates.append(state.utc_values())
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
    # The contended rows come last, each set in key order: the days of the call peaks,
    # then the rollup. Their locks are held until COMMIT, so nothing slow follows them.
    await apply_call_changes(conn, workspace_id, calls)
    await add_to_rollup(conn, workspace_id, deltas)
