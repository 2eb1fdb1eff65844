"""Daily peaks of concurrent phone calls (table `call_peak`), kept in step with the ledger
without re-reading a day's calls.

A call is a live PHONE conversation; it is active at t when started_at ≤ t < its end, or
t = started_at, its end being ended_at (or started_at when ended_at is not after it), or
last_activity_at when no end was sent. The reference sweep is models.rules.health.peak_concurrency.

How a day's peak is kept, for all assistants (assistant_id 0) and for each one:

- `base`: the calls already active at the day's local midnight (started before it, ending
  after it). They are active at every instant of the day until their end edge.
- Edges: +1 where a call starts, −1 where it ends (no −1 when it ends exactly at a local
  midnight: it is then on no later day). At one instant, ends of calls with length come
  first, then starts, then ends of calls without length (active only at their start).
- The day is cut into 15-minute slots from its local midnight (a slot key is the date's
  ordinal × 100 + the slot's number). Each slot with edges keeps `[total, best]`: the sum
  of its edges and the highest running sum within it. They are stored per day as JSON in
  `call_peak.slots`, and the peak is base + max(0, best of the slots folded in order).

A batch that changes calls recomputes only the slots whose edges moved (reading the calls
with an edge in them, through `conversation.call_start_slot` / `call_end_slot`) and adds to
`base` where a call now spans a midnight or no longer does; then it folds at most 100
slots per day it touched. Nothing it reads grows with the calls the day already has. The day
rows are locked (SELECT … FOR UPDATE in (day, assistant) order, after creating missing ones)
before the slots are read, so writers of the same day take turns and each sees the calls of
every writer before it; writers of other days do not wait."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.rules.tz import local_date, zone
from models.sql import (
    SQLITE_CHUNK,
    as_datetime,
    chunks,
    execute,
    execute_many,
    in_list,
    insert_rows,
    is_postgres,
    query,
    update_rows,
)

ALL_ASSISTANTS = 0
SLOT_SECONDS = 900
#: Slot keys are date ordinal × SLOTS_PER_DAY + slot number; a 25-hour day has 100 slots.
SLOTS_PER_DAY = 100

#: One edge's sort rank at an instant, and its delta.
END, START, END_OF_NO_LENGTH = 0, 1, 2

PEAK_COLUMNS = [
    ("workspace_id", "int"), ("local_date", "date"), ("assistant_id", "int"),
    ("peak", "int"), ("base", "int"), ("slots", "text"),
]  # fmt: skip
SLOT_COLUMNS = [("call_start_slot", "bigint"), ("call_end_slot", "bigint"), ("id", "bigint")]


def call_end(
    started_at: datetime, ended_at: datetime | None, last_activity_at: datetime
) -> datetime:
    if ended_at is None:
        return last_activity_at
    return ended_at if ended_at > started_at else started_at


def midnight(day: date, tz: str) -> datetime:
    """Local midnight starting `day`, in UTC (SQLite compares timestamps as UTC text)."""
    return datetime(day.year, day.month, day.day, tzinfo=zone(tz)).astimezone(UTC)


def slot_key(instant: datetime, tz: str) -> int:
    day = local_date(instant, tz)
    number = int((instant - midnight(day, tz)).total_seconds() // SLOT_SECONDS)
    return day.toordinal() * SLOTS_PER_DAY + number


def slot_day(key: int) -> date:
    return date.fromordinal(key // SLOTS_PER_DAY)


Edge = tuple[datetime, int, int]  # (instant, rank at that instant, delta)


@dataclass(frozen=True)
class CallShape:
    """Where one call shows in the daily peaks."""

    start_edge: Edge
    start_slot: int
    #: None when the call ends exactly at a local midnight (after its start).
    end_edge: Edge | None
    end_slot: int | None
    #: The days at whose local midnight the call is active.
    base_days: tuple[date, ...]

    @property
    def slots(self) -> tuple[int | None, int | None]:
        return self.start_slot, self.end_slot


def call_shape(
    started_at: datetime, ended_at: datetime | None, last_activity_at: datetime, tz: str
) -> CallShape:
    ends = call_end(started_at, ended_at, last_activity_at)
    end_day = local_date(ends, tz)
    if ends == started_at:
        end_edge: Edge | None = (ends, END_OF_NO_LENGTH, -1)
    else:
        end_edge = None if ends == midnight(end_day, tz) else (ends, END, -1)
    first = local_date(started_at, tz)
    base_days = tuple(
        first + timedelta(days=n)
        for n in range(1, (end_day - first).days + 1)
        if midnight(first + timedelta(days=n), tz) < ends
    )
    return CallShape(
        start_edge=(started_at, START, 1),
        start_slot=slot_key(started_at, tz),
        end_edge=end_edge,
        end_slot=slot_key(ends, tz) if end_edge else None,
        base_days=base_days,
    )


def summarize(edges: list[Edge]) -> tuple[int, int]:
    """[total, best] of a slot's edges: their sum and the highest running sum after one."""
    running, best = 0, None
    for _, _, delta in sorted(edges):
        running += delta
        best = running if best is None else max(best, running)
    assert best is not None
    return running, best


def day_peak(base: int, slots: dict[int, tuple[int, int]]) -> int:
    """The day's peak: its midnight's calls plus the highest running sum over its slots."""
    running, best = 0, 0
    for number in sorted(slots):
        total, inner = slots[number]
        best = max(best, running + inner)
        running += total
    return base + best


def _load_slots(raw: Any) -> dict[int, tuple[int, int]]:
    return {int(k): (int(v[0]), int(v[1])) for k, v in json.loads(str(raw or "{}")).items()}


def _dump_slots(slots: dict[int, tuple[int, int]]) -> str:
    return json.dumps({str(k): list(slots[k]) for k in sorted(slots)}, separators=(",", ":"))


@dataclass
class CallChanges:
    """What a batch did to the calls, per group (ALL_ASSISTANTS and the call's assistant):
    the slots whose edges moved, and the change of each day's `base`."""

    slots: set[tuple[int, int]] = field(default_factory=set)
    base: dict[tuple[int, date], int] = field(default_factory=lambda: defaultdict(int))

    def add(self, assistant_id: int, before: CallShape | None, after: CallShape) -> None:
        if before == after:
            return
        moved: set[int | None] = set()
        if before is None or before.start_edge != after.start_edge:
            moved |= {before.start_slot if before else None, after.start_slot}
        if before is None or before.end_edge != after.end_edge:
            moved |= {before.end_slot if before else None, after.end_slot}
        for group in (ALL_ASSISTANTS, assistant_id):
            self.slots |= {(group, slot) for slot in moved if slot is not None}
            for day in before.base_days if before else ():
                self.base[(group, day)] -= 1
            for day in after.base_days:
                self.base[(group, day)] += 1

    def days(self) -> list[tuple[int, date]]:
        """The (group, day) rows to lock, in lock order: by day, then group."""
        touched = {(g, slot_day(s)) for g, s in self.slots}
        touched |= {key for key, delta in self.base.items() if delta}
        return sorted(touched, key=lambda gd: (gd[1], gd[0]))


async def apply_call_changes(
    conn: BaseDBAsyncClient, workspace_id: int, changes: CallChanges
) -> None:
    """Bring the peaks of the days these changes touched up to date (see the module's doc).
    The conversations' call slots must already be written."""
    days = changes.days()
    if not days:
        return
    # Rows a day lacks are created first; existing ones are only locked, so that each row
    # gets one new version per batch (the UPDATE below), not two.
    await insert_rows(
        conn,
        "call_peak",
        PEAK_COLUMNS,
        [(workspace_id, day, group, 0, 0, "{}") for group, day in days],
        'ON CONFLICT ("workspace_id", "assistant_id", "local_date") DO NOTHING',
    )
    by_day: dict[tuple[int, date], list[int]] = defaultdict(list)
    for group, slot in changes.slots:
        by_day[(group, slot_day(slot))].append(slot)
    locked = await _lock_days(conn, workspace_id, days, set(by_day))
    keys = {slot for _, slot in changes.slots}
    edges: dict[tuple[int, int], list[Edge]] = defaultdict(list)
    for row in await _calls_with_edges_in(conn, workspace_id, sorted(keys)):
        shape = _stored_shape(row)
        for group in (ALL_ASSISTANTS, int(row["assistant_id"])):
            if shape.start_slot in keys:
                edges[(group, shape.start_slot)].append(shape.start_edge)
            if shape.end_edge is not None and shape.end_slot in keys:
                edges[(group, int(shape.end_slot))].append(shape.end_edge)
    updates: list[tuple[Any, ...]] = []
    empty: list[int] = []
    for row in locked:
        group, day = int(row["assistant_id"]), _as_day(row["local_date"])
        delta = changes.base.get((group, day), 0)
        base = int(row["base"]) + delta
        if (group, day) in by_day:
            slots = _load_slots(row["slots"])
            for slot in by_day[(group, day)]:
                if edges.get((group, slot)):
                    slots[slot % SLOTS_PER_DAY] = summarize(edges[(group, slot)])
                else:
                    slots.pop(slot % SLOTS_PER_DAY, None)
            peak, dumped = day_peak(base, slots), _dump_slots(slots)
        else:
            # Its slots did not change, so neither did the part of the peak they make.
            peak, dumped = int(row["peak"]) + delta, None
        # A day with no call at midnight and no edge has peak 0; any edge makes it ≥ 1.
        if peak == 0:
            empty.append(int(row["id"]))
        else:
            updates.append((peak, base, dumped, int(row["id"])))
    await _write_days(conn, updates)
    if empty:
        condition, ids = in_list(conn, '"id"', empty, "bigint")
        await execute(conn, f'DELETE FROM "call_peak" WHERE {condition}', ids)


async def _lock_days(
    conn: BaseDBAsyncClient,
    workspace_id: int,
    days: list[tuple[int, date]],
    with_slots: set[tuple[int, date]],
) -> list[dict[str, Any]]:
    """The rows of these (group, day) pairs, locked in (day, group) order on PostgreSQL, as
    the last writer that held them committed them; `slots` only for those in `with_slots`."""
    if is_postgres(conn):
        return await query(
            conn,
            'SELECT p."id", p."assistant_id", p."local_date", p."base", p."peak", '
            'CASE WHEN t."slotted" THEN p."slots" END AS "slots" FROM "call_peak" p '
            'JOIN unnest(?::int[], ?::date[], ?::boolean[]) AS t("group", "day", "slotted") '
            'ON p."assistant_id" = t."group" AND p."local_date" = t."day" '
            'WHERE p."workspace_id" = ? ORDER BY p."local_date", p."assistant_id" FOR UPDATE OF p',
            [[g for g, _ in days], [d for _, d in days], [gd in with_slots for gd in days],
             workspace_id],
        )  # fmt: skip
    wanted = set(days)
    groups, values = in_list(conn, '"assistant_id"', sorted({g for g, _ in days}), "int")
    rows = await query(
        conn,
        'SELECT "id", "assistant_id", "local_date", "base", "peak", "slots" FROM "call_peak" '
        f'WHERE "workspace_id" = ? AND {groups} AND "local_date" >= ? AND "local_date" <= ?',
        [workspace_id, *values, min(d for _, d in days), max(d for _, d in days)],
    )
    return [r for r in rows if (int(r["assistant_id"]), _as_day(r["local_date"])) in wanted]


async def _write_days(conn: BaseDBAsyncClient, rows: list[tuple[Any, ...]]) -> None:
    """(peak, base, slots or None to keep them, id) for each row: one UPDATE on PostgreSQL."""
    if not rows:
        return
    if is_postgres(conn):
        await execute(
            conn,
            'UPDATE "call_peak" SET "peak" = u."peak", "base" = u."base", '
            '"slots" = COALESCE(u."slots", "call_peak"."slots") '
            "FROM unnest(?::int[], ?::int[], ?::text[], ?::bigint[]) "
            'AS u("peak", "base", "slots", "id") WHERE "call_peak"."id" = u."id"',
            [list(column) for column in zip(*rows, strict=True)],
        )
        return
    await execute_many(
        conn,
        'UPDATE "call_peak" SET "peak" = ?, "base" = ?, "slots" = COALESCE(?, "slots") '
        'WHERE "id" = ?',
        rows,
    )


_CALL_COLUMNS = (
    'SELECT "id", "assistant_id", "started_at", "ended_at", "last_activity_at", '
    '"call_start_slot", "call_end_slot" FROM "conversation" WHERE "workspace_id" = ?'
)


async def _calls_with_edges_in(
    conn: BaseDBAsyncClient, workspace_id: int, keys: list[int]
) -> list[dict[str, Any]]:
    """The calls with a start or end edge in these slots (one statement on PostgreSQL)."""
    if not keys:
        return []
    found: list[dict[str, Any]] = []
    # Each key appears twice in the statement (start and end edges).
    for chunk in chunks(conn, keys, SQLITE_CHUNK // 2):
        # A UNION rather than an OR: each half has its own index whatever the table's size.
        starts, values = in_list(conn, '"call_start_slot"', chunk, "bigint")
        ends, more = in_list(conn, '"call_end_slot"', chunk, "bigint")
        found += await query(
            conn,
            f"{_CALL_COLUMNS} AND {starts} UNION {_CALL_COLUMNS} AND {ends}",
            [workspace_id, *values, workspace_id, *more],
        )
    return found


def _stored_shape(row: dict[str, Any]) -> CallShape:
    """A call's edges as its row stores them (its slots were computed when it was written)."""
    started = as_datetime(row["started_at"])
    ended = as_datetime(row["ended_at"]) if row["ended_at"] is not None else None
    ends = call_end(started, ended, as_datetime(row["last_activity_at"]))
    end_slot = row["call_end_slot"]
    rank = END_OF_NO_LENGTH if ends == started else END
    return CallShape(
        start_edge=(started, START, 1),
        start_slot=int(row["call_start_slot"]),
        end_edge=(ends, rank, -1) if end_slot is not None else None,
        end_slot=int(end_slot) if end_slot is not None else None,
        base_days=(),
    )


def _as_day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


async def rebuild_call_peaks(conn: BaseDBAsyncClient, workspace_id: int, tz: str) -> None:
    """Recompute every call's slots and every daily peak of the workspace from its
    conversations (after a time-zone change, or to fill the table)."""
    rows = await query(
        conn,
        f'{_CALL_COLUMNS} AND "channel" = \'PHONE\' AND "playground" = ?',
        [workspace_id, False],
    )
    changes = CallChanges()
    slotted: list[tuple[Any, ...]] = []
    edges: dict[tuple[int, int], list[Edge]] = defaultdict(list)
    for row in rows:
        ended = as_datetime(row["ended_at"]) if row["ended_at"] is not None else None
        shape = call_shape(
            as_datetime(row["started_at"]), ended, as_datetime(row["last_activity_at"]), tz
        )
        slotted.append((*shape.slots, int(row["id"])))
        changes.add(int(row["assistant_id"]), None, shape)
        for group in (ALL_ASSISTANTS, int(row["assistant_id"])):
            edges[(group, shape.start_slot)].append(shape.start_edge)
            if shape.end_edge is not None and shape.end_slot is not None:
                edges[(group, shape.end_slot)].append(shape.end_edge)
    await update_rows(conn, "conversation", SLOT_COLUMNS, slotted)
    slots: dict[tuple[int, date], dict[int, tuple[int, int]]] = defaultdict(dict)
    for (group, slot), found in edges.items():
        slots[(group, slot_day(slot))][slot % SLOTS_PER_DAY] = summarize(found)
    peaks = []
    for group, day in changes.days():
        base, day_slots = changes.base.get((group, day), 0), slots[(group, day)]
        peaks.append((workspace_id, day, group, day_peak(base, day_slots), base,
                      _dump_slots(day_slots)))  # fmt: skip
    await execute(conn, 'DELETE FROM "call_peak" WHERE "workspace_id" = ?', [workspace_id])
    await insert_rows(conn, "call_peak", PEAK_COLUMNS, peaks)
