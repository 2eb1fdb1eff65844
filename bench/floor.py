"""The floor: the Usage page's figures computed by hand-written SQL with asyncpg directly,
no ORM, no GraphQL, no HTTP, over the same tables (ledger, rollup, daily call peaks). What
the server is measured against. `CALLS_PEAK` is the sweep over the ledger that the daily
peaks replaced, kept to show what they save."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

CALLS_PEAK = """
WITH calls AS (
  SELECT started_at,
         CASE WHEN ended_at IS NOT NULL AND ended_at > started_at THEN ended_at
              WHEN ended_at IS NOT NULL THEN started_at ELSE last_activity_at END AS ends_at
    FROM conversation
   WHERE workspace_id = $1 AND channel = 'PHONE' AND NOT playground AND started_at < $3
     AND (last_activity_at >= $2 OR ended_at >= $2)
), points AS (
  SELECT GREATEST(started_at, $2) AS t, 1 AS o, 1 AS d FROM calls
  UNION ALL
  SELECT ends_at, CASE WHEN ends_at = started_at THEN 2 ELSE 0 END, -1 FROM calls
   WHERE ends_at < $3
)
SELECT COALESCE(MAX(active), 0) FROM (
  SELECT SUM(d) OVER (ORDER BY t, o ROWS UNBOUNDED PRECEDING) AS active FROM points) s
"""


async def dashboard(
    conn: asyncpg.Connection, workspace_id: int, first: date, last: date, period: tuple[date, date]
) -> dict[str, Any]:
    """Every figure of the Usage page, one hand-written query each."""
    tz = ZoneInfo("America/New_York")

    def midnight(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=tz)

    lower, upper = midnight(first), midnight(last + timedelta(days=1))
    p_upper = midnight(period[1] + timedelta(days=1))
    out: dict[str, Any] = {}
    out["workspace"] = await conn.fetchrow(
        "SELECT w.*, p.code FROM workspace w JOIN plan p ON p.id = w.plan_id WHERE w.id = $1",
        workspace_id,
    )
    out["grants"] = await conn.fetch(
        "SELECT g.credit_type, g.per_period FROM plan_grant g JOIN workspace w "
        "ON w.plan_id = g.plan_id WHERE w.id = $1",
        workspace_id,
    )
    out["daily"] = await conn.fetch(
        "SELECT local_date, SUM(credits), SUM(messages), SUM(conversations_started) "
        "FROM daily_usage WHERE workspace_id = $1 AND local_date BETWEEN $2 AND $3 "
        "GROUP BY local_date ORDER BY local_date",
        workspace_id, first, last,
    )  # fmt: skip
    out["top"] = await conn.fetch(
        "SELECT a.id, a.name, SUM(d.conversations_started) c, SUM(d.messages), SUM(d.credits) "
        "FROM daily_usage d JOIN assistant a ON a.id = d.assistant_id "
        "WHERE d.workspace_id = $1 AND d.local_date BETWEEN $2 AND $3 "
        "GROUP BY a.id, a.name ORDER BY c DESC, a.name, a.id LIMIT 5",
        workspace_id, first, last,
    )  # fmt: skip
    out["channels"] = await conn.fetch(
        "SELECT channel, SUM(conversations_started) c FROM daily_usage "
        "WHERE workspace_id = $1 AND local_date BETWEEN $2 AND $3 GROUP BY channel "
        "HAVING SUM(conversations_started) > 0 ORDER BY c DESC",
        workspace_id, first, last,
    )  # fmt: skip
    out["period"] = await conn.fetchrow(
        "SELECT SUM(credits), SUM(text_queries), SUM(voice_minutes) FROM daily_usage "
        "WHERE workspace_id = $1 AND local_date BETWEEN $2 AND $3",
        workspace_id, *period,
    )  # fmt: skip
    out["top_ups"] = await conn.fetch(
        "SELECT credit_type, SUM(amount) FROM top_up WHERE workspace_id = $1 "
        "AND effective_on BETWEEN $2 AND $3 GROUP BY credit_type",
        workspace_id, *period,
    )  # fmt: skip
    out["gauges"] = await conn.fetchrow(
        "SELECT (SELECT COUNT(*) FROM assistant WHERE workspace_id = $1 AND created_at < $2 "
        "AND (archived_at IS NULL OR archived_at >= $2)), "
        "(SELECT COUNT(*) FROM team_member WHERE workspace_id = $1 AND joined_at < $2 "
        "AND (removed_at IS NULL OR removed_at >= $2)), "
        "(SELECT COUNT(*) FROM phone_number WHERE workspace_id = $1 AND activated_at < $2 "
        "AND (released_at IS NULL OR released_at >= $2))",
        workspace_id, min(upper, p_upper),
    )  # fmt: skip
    out["calls"] = await conn.fetchval(
        "SELECT MAX(peak) FROM call_peak WHERE workspace_id = $1 AND assistant_id = 0 "
        "AND local_date BETWEEN $2 AND $3",
        workspace_id, *period,
    )  # fmt: skip
    out["recent"] = await conn.fetch(
        "SELECT c.id, c.external_id, c.last_activity_at, c.type, c.channel, c.messages, "
        "a.name, k.external_id, k.display_name FROM conversation c "
        "JOIN assistant a ON a.id = c.assistant_id JOIN contact k ON k.id = c.contact_id "
        "WHERE c.workspace_id = $1 AND NOT c.playground "
        "AND c.last_activity_at >= $2 AND c.last_activity_at < $3 "
        "ORDER BY c.last_activity_at DESC, c.id DESC LIMIT 20",
        workspace_id, lower, upper,
    )  # fmt: skip
    out["recent_total"] = await conn.fetchval(
        "SELECT SUM(conversations_last_active) FROM daily_usage WHERE workspace_id = $1 "
        "AND local_date BETWEEN $2 AND $3",
        workspace_id, first, last,
    )  # fmt: skip
    return out
