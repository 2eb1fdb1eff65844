"""Upgrading a database that holds usage (stored by the schema of migration 0004) to the
current schema: events stored before 0005 are marked as having no endedAt of their own, and
0006 fills every call's slots and every day's peak from the stored conversations."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.processes import ROOT, burnrate

_TO_0004 = """
import asyncio, sys
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from server.db import tortoise_config

async def main() -> None:
    try:
        await migrate(config=tortoise_config(sys.argv[1]), target="models.0004_call_peaks")
    finally:
        await Tortoise.close_connections()

asyncio.run(main())
"""

#: New York: Nov 10 23:30 is 04:30 UTC on Nov 11.
_ROWS = """
INSERT INTO plan VALUES (1, 'p', 'P', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00');
INSERT INTO workspace VALUES (1, 'W', 'America/New_York', 1, '2026-01-01 00:00:00+00:00',
                              '2026-01-01 00:00:00+00:00', 1);
INSERT INTO assistant VALUES (1, 'bot', 'Bot', '2026-01-01 00:00:00+00:00', NULL, 1);
INSERT INTO contact VALUES (1, 'caller', NULL, 1);
INSERT INTO conversation (id, external_id, channel, type, playground, started_at,
    start_local_date, last_activity_at, ended_at, messages, assistant_id, contact_id,
    workspace_id, last_local_date) VALUES
  (1, 'across-midnight', 'PHONE', 'INBOUND', 0, '2026-11-11 04:30:00+00:00', '2026-11-10',
   '2026-11-11 04:30:00+00:00', '2026-11-11 05:30:00+00:00', 0, 1, 1, 1, '2026-11-10'),
  (2, 'no-end', 'PHONE', 'INBOUND', 0, '2026-11-11 05:10:00+00:00', '2026-11-11',
   '2026-11-11 05:20:00+00:00', NULL, 0, 1, 1, 1, '2026-11-11'),
  (3, 'chat', 'WEB_CHAT', 'INBOUND', 0, '2026-11-11 05:10:00+00:00', '2026-11-11',
   '2026-11-11 05:10:00+00:00', NULL, 1, 1, 1, 1, '2026-11-11');
INSERT INTO usage_event (idempotency_key, occurred_at, local_date, messages, credits,
    text_queries, voice_minutes, assistant_id, conversation_id, workspace_id) VALUES
  ('a', '2026-11-11 04:30:00+00:00', '2026-11-10', 0, 10000, 0, 10000, 1, 1, 1),
  ('b1', '2026-11-11 05:10:00+00:00', '2026-11-11', 0, 10000, 0, 10000, 1, 2, 1),
  ('b2', '2026-11-11 05:20:00+00:00', '2026-11-11', 0, 10000, 0, 10000, 1, 2, 1),
  ('c', '2026-11-11 05:10:00+00:00', '2026-11-11', 1, 10000, 0, 0, 1, 3, 1);
"""


def test_an_upgrade_fills_peaks_and_marks_old_events(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    url = f"sqlite://{path}"
    old = subprocess.run(
        [sys.executable, "-c", _TO_0004, url], cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert old.returncode == 0, old.stderr
    with sqlite3.connect(path) as db:
        db.executescript(_ROWS)
    upgraded = burnrate("migrate", database_url=url)
    assert upgraded.returncode == 0, upgraded.stderr

    with sqlite3.connect(path) as db:
        events = db.execute("SELECT ended_at, ended_at_known FROM usage_event").fetchall()
        slots = db.execute(
            "SELECT external_id, call_start_slot IS NOT NULL, call_end_slot IS NOT NULL "
            "FROM conversation ORDER BY id"
        ).fetchall()
        peaks = db.execute(
            "SELECT assistant_id, local_date, peak, base FROM call_peak "
            "ORDER BY local_date, assistant_id"
        ).fetchall()
    assert events == [(None, 0)] * 4
    assert slots == [("across-midnight", 1, 1), ("no-end", 1, 1), ("chat", 0, 0)]
    # Nov 10: the first call alone; Nov 11: it is still active at midnight (base 1) and
    # meets the second one at 00:10.
    assert peaks == [
        (0, "2026-11-10", 1, 0),
        (1, "2026-11-10", 1, 0),
        (0, "2026-11-11", 2, 1),
        (1, "2026-11-11", 2, 1),
    ]
