"""Daily peaks of concurrent phone calls (table `call_peak`), kept in step with the ledger.

A call is a live PHONE conversation; it is active at t when started_at ≤ t < its end, or
t = started_at, its end being ended_at (or started_at when ended_at is not after it), or
last_activity_at when no end was sent. The sweep itself is models.rules.health.peak_concurrency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.rules.tz import local_date, zone
from models.sql import as_datetime, execute, in_list, insert_rows, is_postgres, query

ALL_ASSISTANTS = 0


def call_end(
    started_at: datetime, ended_at: datetime | None, last_activity_at: datetime
) -> datetime:
    if ended_at is None:
        return last_activity_at
    return ended_at if ended_at > started_at else started_at


def call_days(started_at: datetime, ends_at: datetime, tz: str) -> set[date]:
    """Every local date on which the call is active at some instant."""
    first, last = local_date(started_at, tz), local_date(ends_at, tz)
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def _midnight(day: date, tz: str) -> datetime:
    """Local midnight starting `day`, in UTC (SQLite compares timestamps as UTC text)."""
    return datetime(day.year, day.month, day.day, tzinfo=zone(tz)).astimezone(UTC)


async def refresh_call_peaks(
    conn: BaseDBAsyncClient, workspace_id: int, tz: str, days: Iterable[date] | None = None
) -> None:
    """Recompute the peaks of these local days (all days with calls when None)."""
    from models.rules.health import Call, peak_concurrency

    wanted = sorted(set(days)) if days is not None else None
    if wanted == []:
        return
    if is_postgres(conn):
        # Writers of one workspace refresh one at a time, each seeing the others' calls.
        await execute(conn, "SELECT pg_advisory_xact_lock(?, ?)", [7_311, workspace_id])
    sql = (
        'SELECT "assistant_id", "started_at", "ended_at", "last_activity_at" FROM "conversation" '
        'WHERE "workspace_id" = ? AND "channel" = \'PHONE\' AND "playground" = ?'
    )
    values: list[Any] = [workspace_id, False]
    if wanted is not None:
        lower = _midnight(wanted[0], tz)
        upper = _midnight(wanted[-1] + timedelta(days=1), tz)
        sql += ' AND "started_at" < ? AND ("last_activity_at" >= ? OR "ended_at" >= ?)'
        values += [upper, lower, lower]
    calls: list[tuple[int, Call]] = []
    for row in await query(conn, sql, values):
        started = as_datetime(row["started_at"])
        ended = as_datetime(row["ended_at"]) if row["ended_at"] is not None else None
        ends = call_end(started, ended, as_datetime(row["last_activity_at"]))
        calls.append((int(row["assistant_id"]), Call(started, ends)))
    by_day: dict[date, list[tuple[int, Call]]] = defaultdict(list)
    for assistant, call in calls:
        for day in call_days(call.started_at, call.ends_at, tz):
            by_day[day].append((assistant, call))
    days_done = wanted if wanted is not None else sorted(by_day)
    rows: list[tuple[Any, ...]] = []
    for day in days_done:
        window = (_midnight(day, tz), _midnight(day + timedelta(days=1), tz))
        today = by_day.get(day, [])
        per_assistant: dict[int, list[Call]] = defaultdict(list)
        for assistant, call in today:
            per_assistant[assistant].append(call)
        for assistant, group in [(ALL_ASSISTANTS, [c for _, c in today]), *per_assistant.items()]:
            peak = peak_concurrency(group, *window)
            if peak:
                rows.append((workspace_id, day, assistant, peak))
    if wanted is None:
        await execute(conn, 'DELETE FROM "call_peak" WHERE "workspace_id" = ?', [workspace_id])
    else:
        for start in range(0, len(wanted), 500):
            condition, days = in_list(conn, '"local_date"', wanted[start : start + 500], "date")
            await execute(
                conn,
                f'DELETE FROM "call_peak" WHERE "workspace_id" = ? AND {condition}',
                [workspace_id, *days],
            )
    await insert_rows(
        conn,
        "call_peak",
        [("workspace_id", "int"), ("local_date", "date"), ("assistant_id", "int"), ("peak", "int")],
        rows,
    )
