"""Concurrent writers into one growing workspace: 300,000 events in 1,000-event batches from 4
and then (on a fresh database) 8 clients, against `burnrate serve --workers 2` on PostgreSQL.

    .venv/bin/python bench/ingest_load.py                    # 4 clients, then 8; 300k each
    .venv/bin/python bench/ingest_load.py --clients 4 --events 100000
    .venv/bin/python bench/ingest_load.py --profile          # + wait events and slow statements

The traffic is FINDINGS.md's "Ingest slows as a workspace grows": one workspace with 20
assistants; each conversation has 4 events, a few minutes apart, starting at a random time
of the last 60 days; channels in rotation (1 in 7 is PHONE, with an `endedAt`); contacts
drawn from 5,000. The server keeps its default statement timeout (10 s) and pool, with
rate-limit budgets raised (the harness measures capacity). It reports events/s, refused
batches (any error answer), batch p50/p99/max, and every `--step` events the rate and batch
times of the last 20 batches, to show whether a batch's cost grows with what is stored.
With `--profile` it also samples PostgreSQL's `pg_stat_activity` (wait events, transaction
ages) and has PostgreSQL log statements slower than 500 ms (bench/pgprofile.py).
When the server runs without autovacuum (this machine's PostgreSQL has `autovacuum = off`),
the tables keep every dead row version and the statistics they had when empty; the harness
then does autovacuum's work itself, `VACUUM (ANALYZE)` of the written tables every
`--vacuum` seconds (0: never), and says so.
It creates (and drops first) the database `burnrate_ingest_load`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import (  # noqa: E402
    CHANNELS,
    EVENTS_PER_CONVERSATION,
    Event,
    as_input,
    fresh_database,
)
from bench.pgprofile import Sampler, SlowLog, log_slow_statements  # noqa: E402
from bench.run import BURNRATE, UNLIMITED, Api, free_port, new_workspace, wait_ready  # noqa: E402
from models.rules.enums import Scope  # noqa: E402
from server import db  # noqa: E402
from server.auth import create_key  # noqa: E402

DATABASE = "burnrate_ingest_load"
SERVER = "postgresql://root@127.0.0.1:5432/postgres"
BATCH = 1000
DAYS = 60
ASSISTANTS = 20
CONTACTS = 5000
#: Batch times are summarised over this many of the latest batches at every step.
WINDOW = 20
#: The tables a write changes, vacuumed when autovacuum is off.
WRITTEN = ["contact", "conversation", "usage_event", "daily_usage", "call_peak"]
RECORD = "mutation($i: RecordUsageInput!) { recordUsage(input: $i) { accepted duplicates } }"


def traffic(total: int, end: datetime, spread: str = "event", seed: int = 11) -> list[Event]:
    """`total` events, four to a conversation (consecutive, so in one batch), channels in
    rotation. With `spread="event"` (FINDINGS.md's traffic) each event's time is random over
    the `DAYS` days before `end`, so a call lasts from its first to its last event (weeks);
    with `"conversation"` a conversation starts at a random time and its events follow
    minutes apart. A call's `endedAt` comes a few minutes after its last event."""
    rng = random.Random(seed)
    out: list[Event] = []
    for n in range((total + EVENTS_PER_CONVERSATION - 1) // EVENTS_PER_CONVERSATION):
        count = min(EVENTS_PER_CONVERSATION, total - len(out))
        times = [end - timedelta(seconds=3600 + rng.random() * (DAYS * 86_400 - 3600))]
        for _ in range(count - 1):
            if spread == "event":
                times.append(end - timedelta(seconds=3600 + rng.random() * (DAYS * 86_400 - 3600)))
            else:
                times.append(times[-1] + timedelta(seconds=rng.randint(20, 240)))
        channel = CHANNELS[n % len(CHANNELS)]
        phone = channel == "PHONE"
        ended = max(times) + timedelta(minutes=rng.randint(2, 20)) if phone else None
        assistant = rng.randrange(ASSISTANTS)
        contact = f"contact-{rng.randrange(CONTACTS)}"
        for k, at in enumerate(times):
            out.append(
                Event(key=f"e-{n}-{k}", at=at, assistant=assistant, conversation=f"c-{n}",
                      channel=channel, contact=contact,
                      messages=0 if phone else rng.randint(1, 3),
                      credits_minor=rng.randint(5_000, 30_000),
                      voice_minor=rng.randint(10_000, 60_000) if phone else 0,
                      queries=rng.choice((0, 0, 1)), ended_at=ended)
            )  # fmt: skip
    return out


@dataclass(frozen=True)
class Batch:
    finished: float
    seconds: float
    events: int
    #: None when stored; else the error code (or HTTP status) of the refusal.
    refused: str | None
    #: Events stored (by every client) when this batch's answer arrived.
    stored_after: int


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0


async def autovacuum_is_on() -> bool:
    conn = await asyncpg.connect(SERVER)
    try:
        return bool(await conn.fetchval("SELECT current_setting('autovacuum') = 'on'"))
    finally:
        await conn.close()


async def vacuum_every(seconds: float) -> None:
    """What autovacuum would do: reclaim dead row versions, refresh the planner's statistics."""
    conn = await asyncpg.connect(SERVER.rsplit("/", 1)[0] + f"/{DATABASE}")
    try:
        while True:
            await asyncio.sleep(seconds)
            await conn.execute(f"VACUUM (ANALYZE) {', '.join(WRITTEN)}")
    finally:
        await conn.close()


async def load(
    clients: int, total: int, step: int, spread: str, profile: bool, vacuum: float
) -> list[str]:
    url = await fresh_database(DATABASE)
    if profile:
        await log_slow_statements(SERVER, DATABASE, 500)
    admin = (await create_key("load admin", frozenset({Scope.ADMIN}), None)).secret
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, BURNRATE_LOG_FORMAT="json", **UNLIMITED)
    log = SlowLog.from_now(DATABASE)
    server = subprocess.Popen(  # noqa: ASYNC220 (started once, before any measurement)
        [BURNRATE, "serve", "--port", str(port), "--workers", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    api = Api(base, admin)
    batches: list[Batch] = []
    stored = 0
    sampler = Sampler(SERVER, DATABASE, lambda: f"{(stored // step + 1) * step:,}")
    try:
        await wait_ready(api)
        ws, bots = await new_workspace(api, "one busy workspace")
        evs = traffic(total, datetime.now(UTC) - timedelta(minutes=10), spread)
        bodies = [
            json.dumps({"query": RECORD, "variables": {"i": {"workspaceId": ws, "events": [
                as_input(e, bots) for e in evs[i : i + BATCH]]}}}).encode()
            for i in range(0, len(evs), BATCH)
        ]  # fmt: skip
        queue = iter(range(len(bodies)))
        began = time.perf_counter()

        async def client() -> None:
            nonlocal stored
            async with httpx.AsyncClient(base_url=base, timeout=600) as http:
                headers = {"Authorization": f"Bearer {admin}", "Content-Type": "application/json"}
                for n in queue:
                    start = time.perf_counter()
                    response = await http.post("/graphql", content=bodies[n], headers=headers)
                    done = time.perf_counter()
                    size = min(BATCH, total - n * BATCH)
                    refused = _refusal(response)
                    if refused is None:
                        stored += size
                    batches.append(Batch(done - began, done - start, size, refused, stored))
                    print(f"\r{clients} clients: {stored:>9,} events stored, "
                          f"{sum(b.refused is not None for b in batches)} refused",
                          end="", file=sys.stderr, flush=True)  # fmt: skip

        if profile:
            sampler.start()
        vacuuming = asyncio.create_task(vacuum_every(vacuum)) if vacuum else None
        await asyncio.gather(*(client() for _ in range(clients)))
        took = time.perf_counter() - began
        print(file=sys.stderr)
        if vacuuming is not None:
            vacuuming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await vacuuming
    finally:
        await sampler.stop()
        server.terminate()
        server.wait(timeout=60)
        await api.client.aclose()
        await db.close()
    lines = _report(clients, total, spread, took, batches, step)
    if vacuum:
        lines.insert(1, f"(autovacuum is off on this server: VACUUM (ANALYZE) every {vacuum:g} s)")
    if profile:
        lines += ["", "Wait events sampled every 0.1 s, by events stored:"]
        for phase, samples in sampler.by_phase.items():
            lines += ["", f"Up to {phase} events:", "", *samples.table()]
        lines += ["", "Statements PostgreSQL logged as slower than 500 ms:", "", *log.summary()]
    return lines


def _refusal(response: httpx.Response) -> str | None:
    try:
        errors = response.json().get("errors")
    except ValueError:
        return f"HTTP {response.status_code}"
    if not errors and response.status_code == 200:
        return None
    codes = {str(e.get("extensions", {}).get("code")) for e in errors or []}
    return ",".join(sorted(codes)) or f"HTTP {response.status_code}"


def _report(
    clients: int, total: int, spread: str, took: float, batches: list[Batch], step: int
) -> list[str]:
    times = [b.seconds for b in batches]
    refused = [b for b in batches if b.refused is not None]
    stored = sum(b.events for b in batches if b.refused is None)
    lines = [
        f"{clients} clients, {total:,} events in {BATCH:,}-event batches into one workspace "
        f"(times spread per {spread}): "
        f"{stored:,} stored in {took:.0f} s = {stored / took:,.0f} events/s; "
        f"{len(refused)} of {len(batches)} batches refused"
        + (f" ({', '.join(sorted({str(b.refused) for b in refused}))})" if refused else "")
        + f"; batch p50 {statistics.median(times):.2f} s, p99 {percentile(times, 0.99):.2f} s, "
        f"max {max(times):.2f} s",
        "",
        f"| events stored | rate in the last {WINDOW} batches | their p50 | their slowest "
        "| refused so far |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]  # fmt: skip
    ordered = sorted(batches, key=lambda b: b.finished)
    mark = step
    for n, batch in enumerate(ordered):
        last = n == len(ordered) - 1
        if batch.stored_after < mark and not last:
            continue
        window = ordered[max(0, n - WINDOW + 1) : n + 1]
        span = window[-1].finished - (window[0].finished - window[0].seconds)
        events = sum(b.events for b in window if b.refused is None)
        lines.append(
            f"| {batch.stored_after:,} | {events / span:,.0f} /s | "
            f"{statistics.median(b.seconds for b in window):.2f} s | "
            f"{max(b.seconds for b in window):.2f} s | "
            f"{sum(b.refused is not None for b in ordered[: n + 1])} |"
        )
        while mark <= batch.stored_after:
            mark += step
    return lines


async def main(
    clients: list[int], total: int, step: int, spread: str, profile: bool, vacuum: float
) -> None:
    if await autovacuum_is_on():
        vacuum = 0
    for n in clients:
        lines = await load(n, total, step, spread, profile, vacuum)
        print("\n".join(lines), end="\n\n", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="4,8", help="client counts, one fresh run each")
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--step", type=int, default=30_000, help="report a row every N events")
    parser.add_argument(
        "--spread", choices=["event", "conversation"], default="event",
        help="random time per event (FINDINGS.md) or per conversation",
    )  # fmt: skip
    parser.add_argument(
        "--vacuum", type=float, default=15.0,
        help="seconds between VACUUM (ANALYZE) runs when the server's autovacuum is off",
    )  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="sample waits, log slow SQL")
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    asyncio.run(main(counts, args.events, args.step, args.spread, args.profile, args.vacuum))
