"""Rebuilding a workspace's derived data (local dates, daily rollup) from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from tortoise.backends.base.client import BaseDBAsyncClient

from models.rules.tz import local_date
from models.sql import as_date, as_datetime, execute, execute_many, insert_rows, query

if TYPE_CHECKING:
    from models.events import EventRecord

_PAGE = 5000

#: The rollup recomputed from the ledger: live events summed per (day, assistant, channel),
#: with the conversations whose start (and whose last activity) falls on that key. A
#: conversation's first and last events share those keys, so grouping the events covers all.
LEDGER_ROLLUP_SELECT = """
SELECT e."workspace_id", e."local_date", e."assistant_id", c."channel",
       SUM(e."credits") AS "credits", SUM(e."messages") AS "messages",
       (SELECT COUNT(*) FROM "conversation" s
         WHERE s."workspace_id" = e."workspace_id" AND s."start_local_date" = e."local_date"
           AND s."assistant_id" = e."assistant_id" AND s."channel" = c."channel"
           AND s."playground" = ?) AS "conversations_started",
       SUM(e."text_queries") AS "text_queries", SUM(e."voice_minutes") AS "voice_minutes",
       (SELECT COUNT(*) FROM "conversation" s
         WHERE s."workspace_id" = e."workspace_id" AND s."last_local_date" = e."local_date"
           AND s."assistant_id" = e."assistant_id" AND s."channel" = c."channel"
           AND s."playground" = ?) AS "conversations_last_active"
  FROM "usage_event" e JOIN "conversation" c ON c."id" = e."conversation_id"
 WHERE e."workspace_id" = ? AND c."playground" = ?
 GROUP BY e."workspace_id", e."local_date", e."assistant_id", c."channel"
"""


def ledger_rollup_values(workspace_id: int) -> list[object]:
    """The parameters of LEDGER_ROLLUP_SELECT for one workspace."""
    return [False, False, workspace_id, False]


async def relocalize(conn: BaseDBAsyncClient, workspace_id: int, tz: str) -> None:
    """Recompute every stored local date of the workspace for time zone `tz`."""
    for table, instant, day in (
        ("usage_event", "occurred_at", "local_date"),
        ("conversation", "started_at", "start_local_date"),
        ("conversation", "last_activity_at", "last_local_date"),
    ):
        last_id = 0
        while True:
            rows = await query(
                conn,
                f'SELECT "id", "{instant}", "{day}" FROM "{table}" '
                f'WHERE "workspace_id" = ? AND "id" > ? ORDER BY "id" LIMIT {_PAGE}',
                [workspace_id, last_id],
            )
            if not rows:
                break
            last_id = int(rows[-1]["id"])
            changed: list[tuple[Any, ...]] = []
            for row in rows:
                day_now = local_date(as_datetime(row[instant]), tz)
                if row[day] is None or day_now != as_date(row[day]):
                    changed.append((day_now, row["id"]))
            await execute_many(conn, f'UPDATE "{table}" SET "{day}" = ? WHERE "id" = ?', changed)


async def rebuild_rollup(conn: BaseDBAsyncClient, workspace_id: int, tz: str) -> None:
    """Replace the workspace's rollup and call peaks with ones recomputed from the ledger."""
    from models.calls import rebuild_call_peaks

    await rebuild_daily_usage(conn, workspace_id)
    await rebuild_call_peaks(conn, workspace_id, tz)


async def rebuild_daily_usage(conn: BaseDBAsyncClient, workspace_id: int) -> None:
    """Replace the workspace's daily rollup with one recomputed from the ledger."""
    await execute(conn, 'DELETE FROM "daily_usage" WHERE "workspace_id" = ?', [workspace_id])
    await execute(
        conn,
        'INSERT INTO "daily_usage" ("workspace_id", "local_date", "assistant_id", "channel", '
        '"credits", "messages", "conversations_started", "text_queries", "voice_minutes", '
        '"conversations_last_active") ' + LEDGER_ROLLUP_SELECT,
        ledger_rollup_values(workspace_id),
    )


RollupKey = tuple[date, int, str]  # (local_date, assistant_id, channel)

ROLLUP_COLUMNS = [
    ("workspace_id", "int"), ("local_date", "date"), ("assistant_id", "int"),
    ("channel", "text"), ("credits", "bigint"), ("messages", "bigint"),
    ("conversations_started", "bigint"), ("text_queries", "bigint"),
    ("voice_minutes", "bigint"), ("conversations_last_active", "bigint"),
]  # fmt: skip


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
