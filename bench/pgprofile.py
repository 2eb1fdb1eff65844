"""What PostgreSQL's backends of one database are doing while a load runs: wait events sampled
from `pg_stat_activity`, the open transactions' ages, and the statements PostgreSQL logged as
slow (a per-database `log_min_duration_statement`, plus `auto_explain` plans), so a benchmark
can say where a write's time goes without a profiler in the server.

Nothing here changes the server's configuration: the settings are the database's own
(`ALTER DATABASE … SET`), dropped with it."""

from __future__ import annotations

import asyncio
import contextlib
import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

SERVER_LOG = Path("/var/log/postgresql/postgresql-15-main.log")

_SAMPLE = """
SELECT "state", "wait_event_type", "wait_event", left("query", 200) AS "query",
       extract(epoch FROM now() - "xact_start") AS "xact_age"
  FROM pg_stat_activity
 WHERE "datname" = $1 AND "pid" <> pg_backend_pid() AND "backend_type" = 'client backend'
   AND "state" <> 'idle'
"""

#: What a statement is, by the text it starts with (the first match wins).
LABELS = [
    ("SET LOCAL", "SET LOCAL plan_cache_mode"),
    ('SELECT "timezone" FROM "workspace"', "workspace row (FOR SHARE)"),
    ('SELECT "id", "external_id", "display_name" FROM "contact"', "contacts: read"),
    ('INSERT INTO "contact"', "contacts: insert"),
    ('UPDATE "contact"', "contacts: name"),
    ('INSERT INTO "conversation"', "conversations: insert"),
    ('SELECT "id", "external_id", "channel"', "conversations: read FOR UPDATE"),
    ('INSERT INTO "usage_event"', "events: insert"),
    ('SELECT e."idempotency_key"', "events: stored content of reused keys"),
    ('UPDATE "conversation"', "conversations: update"),
    ('DELETE FROM "conversation"', "conversations: delete orphans"),
    ('INSERT INTO "daily_usage"', "rollup: upsert (add_to_rollup)"),
    ("SELECT pg_advisory_xact_lock", "call peaks: advisory lock (before)"),
    ('SELECT "assistant_id", "started_at"', "call peaks: read calls (before)"),
    ('SELECT "id", "assistant_id", "started_at"', "call peaks: read the touched slots' calls"),
    ('SELECT p."id", p."assistant_id", p."local_date"', "call peaks: lock days (FOR UPDATE)"),
    ('UPDATE "call_peak"', "call peaks: write days"),
    ('DELETE FROM "call_peak"', "call peaks: delete days"),
    ('INSERT INTO "call_peak"', "call peaks: create missing days"),
    ("COMMIT", "COMMIT"),
    ("BEGIN", "BEGIN"),
]


def label(query: str) -> str:
    text = " ".join(query.split())
    for start, name in LABELS:
        if text.startswith(start):
            return name
    return text[:60]


@dataclass
class Samples:
    """Backends seen per (what they do, what they wait for), and open transactions' ages."""

    waits: Counter[tuple[str, str]] = field(default_factory=Counter)
    ages: list[float] = field(default_factory=list)
    polls: int = 0

    def add(self, rows: list[asyncpg.Record]) -> None:
        self.polls += 1
        for row in rows:
            if row["state"] == "active":
                kind = row["wait_event_type"]
                wait = f"{kind}:{row['wait_event']}" if kind else "running (CPU or I/O)"
            else:  # idle in transaction: the server works between two statements
                wait = f"{row['state']} (after it)"
            self.waits[(label(row["query"]), wait)] += 1
            if row["xact_age"] is not None:
                self.ages.append(float(row["xact_age"]))

    def table(self, top: int = 14) -> list[str]:
        total = sum(self.waits.values()) or 1
        lines = [
            f"{self.polls:,} polls, {total:,} backend samples; "
            f"open transactions' age: median {_median(self.ages):.2f} s, "
            f"max {max(self.ages, default=0):.2f} s",
            "",
            "| statement | state or wait event | samples | share |",
            "| --- | --- | ---: | ---: |",
        ]
        for (what, wait), n in self.waits.most_common(top):
            lines.append(f"| {what} | {wait} | {n:,} | {100 * n / total:.0f} % |")
        return lines


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


class Sampler:
    """Polls pg_stat_activity every `interval` seconds; `phase()` names the bucket a sample
    goes to (e.g. how many events were stored when it was taken)."""

    def __init__(self, url: str, database: str, phase: Callable[[], str], interval: float = 0.1):
        self.url, self.database, self.phase, self.interval = url, database, phase, interval
        self.by_phase: dict[str, Samples] = {}
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        conn = await asyncpg.connect(self.url)
        try:
            while True:
                rows = await conn.fetch(_SAMPLE, self.database)
                self.by_phase.setdefault(self.phase(), Samples()).add(rows)
                await asyncio.sleep(self.interval)
        finally:
            await conn.close()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def log_slow_statements(url: str, database: str, milliseconds: int) -> None:
    """Have PostgreSQL log this database's statements slower than `milliseconds`, with the
    plan of those slower than twice that (auto_explain, row counts without timing)."""
    conn = await asyncpg.connect(url)
    try:
        for name, value in (
            ("log_min_duration_statement", str(milliseconds)),
            ("log_parameter_max_length", "0"),
            ("session_preload_libraries", "auto_explain"),
            ("auto_explain.log_min_duration", str(2 * milliseconds)),
            ("auto_explain.log_analyze", "on"),
            ("auto_explain.log_timing", "off"),
            ("auto_explain.log_buffers", "on"),
        ):
            await conn.execute(f"ALTER DATABASE \"{database}\" SET {name} = '{value}'")
    finally:
        await conn.close()


#: A statement's own line (auto_explain's "plan:" lines repeat the slowest ones: not counted).
_DURATION = re.compile(r"duration: ([0-9.]+) ms\s+(?:execute [^:]*|statement):\s*(.*)")


@dataclass
class SlowLog:
    """The server log's lines about one database from a byte offset on."""

    database: str
    offset: int = 0

    @classmethod
    def from_now(cls, database: str) -> SlowLog:
        size = SERVER_LOG.stat().st_size if SERVER_LOG.exists() else 0
        return cls(database, size)

    def lines(self) -> list[str]:
        """The log's lines since the offset that belong to this database (with the lines that
        continue them: statement text, plans)."""
        if not SERVER_LOG.exists():
            return []
        with SERVER_LOG.open("rb") as log:
            log.seek(self.offset)
            text = log.read().decode("utf-8", "replace")
        mine: list[str] = []
        keep = False
        for line in text.splitlines():
            if re.match(r"\d{4}-\d\d-\d\d ", line):
                keep = f"@{self.database} " in line
            if keep:
                mine.append(line)
        return mine

    def summary(self) -> list[str]:
        """Slow statements by kind: how many, total and slowest seconds."""
        durations: dict[str, list[float]] = {}
        lines = self.lines()
        for n, line in enumerate(lines):
            match = _DURATION.search(line)
            if not match:
                continue
            text = match.group(2) or (lines[n + 1] if n + 1 < len(lines) else "")
            durations.setdefault(label(text), []).append(float(match.group(1)) / 1000)
        out = [
            "| statement (logged as slow) | count | total | slowest |",
            "| --- | ---: | ---: | ---: |",
        ]
        for what, values in sorted(durations.items(), key=lambda kv: -sum(kv[1])):
            out.append(f"| {what} | {len(values):,} | {sum(values):.1f} s | {max(values):.2f} s |")
        return out
