"""The stored daily rollup and one recomputed from the ledger, as comparable sets of rows."""

from __future__ import annotations

from datetime import date

from models import DailyUsage
from models.rollup import LEDGER_ROLLUP_SELECT, ledger_rollup_values
from models.sql import as_date, connection, query

Row = tuple[date, int, str, int, int, int, int, int, int]


async def stored_rollup(workspace_pk: int) -> set[Row]:
    rows = await DailyUsage.filter(workspace_id=workspace_pk)
    return {
        (
            r.local_date,
            r.assistant_id,
            r.channel,
            r.credits,
            r.messages,
            r.conversations_started,
            r.text_queries,
            r.voice_minutes,
            r.conversations_last_active,
        )
        for r in rows
    }


async def ledger_rollup(workspace_pk: int) -> set[Row]:
    rows = await query(connection(), LEDGER_ROLLUP_SELECT, ledger_rollup_values(workspace_pk))
    return {
        (
            as_date(r["local_date"]),
            int(r["assistant_id"]),
            str(r["channel"]),
            int(r["credits"]),
            int(r["messages"]),
            int(r["conversations_started"]),
            int(r["text_queries"]),
            int(r["voice_minutes"]),
            int(r["conversations_last_active"]),
        )
        for r in rows
    }
