"""Burnrate's benchmark: builds workspaces of 3k, 100k and 1M events (the same 90 days) and
measures, side by side in one run, against one `burnrate serve --workers 2`:

- the full Usage page (median and p95 over repeated requests) at each size;
- the floors: `{ viewer { name } }` through the same server, and the same figures by
  hand-written SQL with asyncpg directly (bench/floor.py);
- SQL statements per request;
- throughput with 1 and with 8 concurrent clients;
- ingest rate through the API (1,000-event batches, 4 clients) and server CPU per event;
- peak memory (resident) of the server's worker processes.

    python bench/run.py                      # PostgreSQL at 127.0.0.1:5432, all sizes
    python bench/run.py --sizes 3000,100000  # fewer sizes
    python bench/run.py --quick              # a fast smoke run

It creates (and drops first) the database `burnrate_bench` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import floor  # noqa: E402
from bench.generate import ASSISTANTS, TIMEZONE, Event, as_input, events, fresh_database  # noqa: E402
from models.rules.enums import CreditType, Scope  # noqa: E402
from models.sql import connection  # noqa: E402
from server import db  # noqa: E402
from server.auth import create_key  # noqa: E402
from server.settings import settings  # noqa: E402
from tests.dashboard import DASHBOARD  # noqa: E402

DATABASE = "burnrate_bench"
BURNRATE = str(Path(sys.executable).parent / "burnrate")
INGEST_CLIENTS = 4
BATCH = 1000
#: The harness measures capacity, not the per-key budget (docs/operations.md).
UNLIMITED = {
    "BURNRATE_RATE_LIMIT_POINTS": "1000000000",
    "BURNRATE_RATE_LIMIT_RESTORE_PER_SECOND": "1000000000",
}
#: Throughput alternates 1 and 8 clients this many times and reports the medians.
ROUNDS = 8


def progress(label: str, done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    bar = "#" * filled + "." * (width - filled)
    end = "\n" if done >= total else ""
    print(f"\r{label:<28} [{bar}] {done:>9,}/{total:,}", end=end, file=sys.stderr, flush=True)


class Api:
    def __init__(self, base: str, key: str) -> None:
        self.client = httpx.AsyncClient(base_url=base, timeout=300)
        self.key = key

    async def ask(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.send(json.dumps({"query": query, "variables": variables or {}}).encode())

    async def send(self, request_body: bytes) -> dict[str, Any]:
        """POST an encoded GraphQL request; the data, or RuntimeError with the errors."""
        response = await self.client.post(
            "/graphql",
            content=request_body,
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        body: dict[str, Any] = response.json()
        if body.get("errors"):
            raise RuntimeError(f"the API refused: {body['errors']}")
        data: dict[str, Any] = body["data"]
        return data


async def new_workspace(api: Api, name: str) -> tuple[str, list[str]]:
    grants = [{"creditType": t.value, "perPeriod": "1000000"} for t in CreditType]
    await api.ask(
        "mutation($i: PlanInput!) { upsertPlan(input: $i) { code } }",
        {"i": {"code": "bench", "name": "Bench", "grants": grants}},
    )
    created = await api.ask(
        "mutation($i: CreateWorkspaceInput!) { createWorkspace(input: $i) { id } }",
        {"i": {"name": name, "timezone": TIMEZONE, "planCode": "bench"}},
    )
    ws = str(created["createWorkspace"]["id"])
    bots = []
    for n in range(ASSISTANTS):
        data = await api.ask(
            "mutation($i: AssistantInput!) { upsertAssistant(input: $i) { id } }",
            {"i": {"workspaceId": ws, "externalId": f"bot-{n}", "name": f"Assistant {n:02d}",
                   "createdAt": "2025-01-01T00:00:00Z"}},
        )  # fmt: skip
        bots.append(str(data["upsertAssistant"]["id"]))
    for n in range(3):
        await api.ask(
            "mutation($i: PhoneNumberInput!) { upsertPhoneNumber(input: $i) { id } }",
            {"i": {"workspaceId": ws, "number": f"+1212555{n:04d}",
                   "activatedAt": "2025-01-01T00:00:00Z"}},
        )  # fmt: skip
    return ws, bots


async def ingest(
    api: Api, ws: str, bots: list[str], evs: list[Event], label: str
) -> tuple[float, float]:
    """Send the events in 1,000-event batches from 4 clients; returns the seconds it took and
    the CPU seconds the clients spent meanwhile. The request
    bodies are encoded before the clock starts, as a load generator's are: what is timed is
    the server (and the clients' HTTP), not building JSON."""
    query = "mutation($i: RecordUsageInput!) { recordUsage(input: $i) { accepted } }"
    bodies = [
        json.dumps({"query": query, "variables": {"i": {"workspaceId": ws, "events": [
            as_input(e, bots) for e in evs[i : i + BATCH]]}}}).encode()
        for i in range(0, len(evs), BATCH)
    ]  # fmt: skip
    sizes = [min(BATCH, len(evs) - i) for i in range(0, len(evs), BATCH)]
    done = 0

    async def client(k: int) -> None:
        nonlocal done
        for body, size in zip(bodies[k::INGEST_CLIENTS], sizes[k::INGEST_CLIENTS], strict=True):
            await api.send(body)
            done += size
            progress(label, done, len(evs))

    began, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client(k) for k in range(INGEST_CLIENTS)))
    return time.perf_counter() - began, time.process_time() - cpu


async def bulk_load(url: str, workspace_pk: int, bots: list[int], evs: Iterable[Event],
                    total: int, label: str) -> float:  # fmt: skip
    """The same ledger as the API would store, written with COPY; the rollup is then
    recomputed from it with the server's own rebuild (models.rollup)."""
    from models.rollup import rebuild_rollup

    tz = ZoneInfo(TIMEZONE)
    began = time.perf_counter()
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        contacts: dict[str, int] = {}
        conversations: dict[str, dict[str, Any]] = {}
        rows: list[tuple[Any, ...]] = []
        next_contact = (await conn.fetchval("SELECT COALESCE(MAX(id), 0) FROM contact")) + 1
        next_conv = (await conn.fetchval("SELECT COALESCE(MAX(id), 0) FROM conversation")) + 1
        for n, e in enumerate(evs, start=1):
            if e.contact not in contacts:
                contacts[e.contact] = next_contact
                next_contact += 1
            c = conversations.get(e.conversation)
            if c is None:
                c = conversations[e.conversation] = {
                    "id": next_conv, "channel": e.channel, "assistant": bots[e.assistant],
                    "contact": contacts[e.contact], "start": e.at, "last": e.at,
                    "ended": e.ended_at, "messages": 0,
                }  # fmt: skip
                next_conv += 1
            c["start"], c["last"] = min(c["start"], e.at), max(c["last"], e.at)
            c["messages"] += e.messages
            rows.append((workspace_pk, e.key, c["id"], bots[e.assistant], e.at,
                         e.at.astimezone(tz).date(), e.messages, e.credits_minor, e.queries,
                         e.voice_minor))  # fmt: skip
            if n % 50_000 == 0:
                progress(label, n, total)
        await conn.copy_records_to_table(
            "contact", columns=["id", "workspace_id", "external_id"],
            records=[(i, workspace_pk, k) for k, i in contacts.items()],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "conversation",
            columns=["id", "workspace_id", "external_id", "channel", "type", "assistant_id",
                     "contact_id", "playground", "started_at", "start_local_date",
                     "last_activity_at", "last_local_date", "ended_at", "messages"],
            records=[(c["id"], workspace_pk, k, c["channel"], "INBOUND", c["assistant"],
                      c["contact"], False, c["start"], c["start"].astimezone(tz).date(),
                      c["last"], c["last"].astimezone(tz).date(), c["ended"], c["messages"])
                     for k, c in conversations.items()],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "usage_event",
            columns=["workspace_id", "idempotency_key", "conversation_id", "assistant_id",
                     "occurred_at", "local_date", "messages", "credits", "text_queries",
                     "voice_minutes"],
            records=rows,
        )  # fmt: skip
        for table in ("contact", "conversation"):
            await conn.execute(f"SELECT setval('{table}_id_seq', (SELECT MAX(id) FROM {table}))")
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    await rebuild_rollup(connection(), workspace_pk, TIMEZONE)
    progress(label, total, total)
    return time.perf_counter() - began


async def interleaved(
    works: dict[int, dict[str, Callable[[], Awaitable[Any]]]], repeat: int
) -> dict[int, dict[str, list[float]]]:
    """Seconds per call of every work, `repeat` rounds of each after 3 warm-up rounds."""
    times: dict[int, dict[str, list[float]]] = {k: {n: [] for n in w} for k, w in works.items()}
    for round_ in range(3 + repeat):
        for key, named in works.items():
            for name, work in named.items():
                began = time.perf_counter()
                await work()
                if round_ >= 3:
                    times[key][name].append(time.perf_counter() - began)
    return times


def median_p95(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


async def throughput(api: Api, variables: dict[str, Any], clients: int, seconds: float) -> float:
    stop = time.perf_counter() + seconds
    done = 0

    async def client() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await api.ask(DASHBOARD, variables)
            done += 1

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return done / (time.perf_counter() - began)


def count_statements(workspace_id: str, variables: dict[str, Any]) -> Callable[[], Awaitable[int]]:
    """SQL statements of one dashboard request, run in this process through the schema."""
    from resolvers.access import Principal
    from resolvers.context import Context
    from schema.root import schema

    async def run() -> int:
        seen: list[str] = []
        handler = logging.Handler(logging.DEBUG)
        handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
        logger = logging.getLogger("tortoise.db_client")
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        admin = Principal(0, "bench", frozenset({Scope.ADMIN}), None)

        async def who() -> Principal:
            from models import ApiKey  # the real key lookup, counted like the server's

            await ApiKey.filter(id=0).first()
            return admin

        try:
            result = await schema.execute(
                DASHBOARD, variable_values=variables,
                context_value=Context(request_id="bench", authenticate=who, settings=settings),
            )  # fmt: skip
            assert not result.errors, result.errors
        finally:
            logger.removeHandler(handler)
            logger.setLevel(logging.WARNING)
        return len(seen)

    return run


def server_processes(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [parent, *(int(c) for c in children)]


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def postgres_cpu(since: dict[int, float] | None = None) -> Any:
    """CPU seconds of PostgreSQL's processes: a snapshot by pid, or (given an earlier
    snapshot) the seconds spent since, new processes counted whole."""
    ticks = os.sysconf("SC_CLK_TCK")
    now: dict[int, float] = {}
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit() or (proc / "comm").read_text().strip() != "postgres":
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        now[int(proc.name)] = (int(fields[11]) + int(fields[12])) / ticks
    if since is None:
        return now
    return sum(cpu - since.get(pid, 0.0) for pid, cpu in now.items())


def peak_rss_mib(pids: list[int]) -> float:
    peak = 0
    for pid in pids[1:] or pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024


async def wait_ready(api: Api, seconds: float = 20) -> None:
    """Until the server answers /readyz with 200."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if (await api.client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the server did not become ready")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def main(sizes: list[int], repeat: int, seconds: float) -> dict[str, Any]:
    url = await fresh_database(DATABASE)
    key = (await create_key("bench", frozenset({Scope.ADMIN}), None)).secret
    port = free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 (started once, before any measurement)
        [BURNRATE, "serve", "--port", str(port), "--workers", "2"],
        env=dict(os.environ, DATABASE_URL=url, BURNRATE_GRAPHIQL="0", **UNLIMITED),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    api = Api(f"http://127.0.0.1:{port}", key)
    results: dict[str, Any] = {"sizes": {}}
    try:
        await wait_ready(api)
        pids = server_processes(server.pid)
        end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
        today = end.astimezone(ZoneInfo(TIMEZONE)).date()
        first = today - timedelta(days=29)
        pg = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))

        from models.rules.days import billing_period
        from resolvers.ids import decode_id

        period = billing_period(today, 1)
        measured: dict[int, dict[str, Callable[[], Awaitable[Any]]]] = {}
        for size in sizes:
            ws, bots = await new_workspace(api, f"bench-{size}")
            ws_pk = decode_id(ws, "Workspace") or 0
            entry: dict[str, Any] = {}
            if size <= 100_000:
                cpu_before, pg_before = cpu_seconds(pids), postgres_cpu()
                evs = list(events(size, end))
                took, client_cpu = await ingest(api, ws, bots, evs, f"ingest {size:,}")
                entry["ingest_events_per_s"] = size / took
                entry["ingest_cpu_us_per_event"] = (cpu_seconds(pids) - cpu_before) / size * 1e6
                entry["ingest_pg_cpu_us_per_event"] = postgres_cpu(pg_before) / size * 1e6
                entry["ingest_client_cpu_us_per_event"] = client_cpu / size * 1e6
            else:
                bot_pks = [decode_id(b, "Assistant") or 0 for b in bots]
                entry["bulk_s"] = await bulk_load(
                    url, ws_pk, bot_pks, events(size, end), size, f"bulk {size:,}"
                )
            variables = {"id": ws}
            entry["statements"] = await count_statements(ws, variables)()
            results["sizes"][size] = entry
            measured[size] = {
                "dashboard": partial(api.ask, DASHBOARD, variables),
                "viewer": partial(api.ask, "{ viewer { name } }"),
                "raw_sql": partial(floor.dashboard, pg, ws_pk, first, today, period),
            }
        # A settled database (as autovacuum leaves it), then every timing side by side: each
        # round asks each workspace's dashboard, viewer and raw SQL once, so a slow spell of
        # this shared machine falls on all of them alike.
        await pg.execute("VACUUM ANALYZE")
        times = await interleaved(measured, repeat)
        for size, figures in times.items():
            for name, samples in figures.items():
                results["sizes"][size][name] = median_p95(samples)
            dashboard_ms = results["sizes"][size]["dashboard"][0] * 1000
            print(f"{size:>9,} events: dashboard {dashboard_ms:.1f} ms", file=sys.stderr)

        target = {"id": ws}
        ones, eights = [], []
        for _ in range(ROUNDS):
            ones.append(await throughput(api, target, 1, seconds / ROUNDS))
            eights.append(await throughput(api, target, 8, seconds / ROUNDS))
        results["throughput_1"] = statistics.median(ones)
        results["throughput_8"] = statistics.median(eights)
        results["throughput_rounds"] = [
            [one, eight] for one, eight in zip(ones, eights, strict=True)
        ]
        results["throughput_ratio"] = statistics.median(
            e / o for o, e in zip(ones, eights, strict=True)
        )
        results["peak_rss_mib"] = peak_rss_mib(pids)
        await pg.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        await api.client.aclose()
        await db.close()
    return results


def report(r: dict[str, Any]) -> str:
    sizes = r["sizes"]
    lines = [
        "| events | dashboard median | p95 | viewer median | raw SQL median | statements |"
        " dashboard ÷ raw SQL | dashboard ÷ viewer |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size, e in sizes.items():
        d, v, s = e["dashboard"][0], e["viewer"][0], e["raw_sql"][0]
        lines.append(
            f"| {int(size):,} | {d * 1000:.1f} ms | {e['dashboard'][1] * 1000:.1f} ms | "
            f"{v * 1000:.1f} ms | {s * 1000:.1f} ms | {e['statements']} | {d / s:.2f} | "
            f"{d / v:.2f} |"
        )
    keys = list(sizes)
    small, large = sizes[keys[0]], sizes[keys[-1]]
    lines += [
        "",
        f"- dashboard at {int(keys[-1]):,} ÷ at {int(keys[0]):,} events: "
        f"{large['dashboard'][0] / small['dashboard'][0]:.2f}",
        f"- throughput: {r['throughput_1']:.1f} req/s with 1 client, "
        f"{r['throughput_8']:.1f} req/s with 8 (medians of {len(r['throughput_rounds'])} "
        f"alternations; median ratio of a round {r['throughput_ratio']:.2f}, range "
        f"{min(e / o for o, e in r['throughput_rounds']):.2f}–"
        f"{max(e / o for o, e in r['throughput_rounds']):.2f})",
    ]
    for size, e in sizes.items():
        if "ingest_events_per_s" in e:
            lines.append(
                f"- ingest ({int(size):,} events, 4 clients, 1,000-event batches): "
                f"{e['ingest_events_per_s']:,.0f} events/s; CPU per event: "
                f"{e['ingest_cpu_us_per_event']:.0f} µs server, "
                f"{e['ingest_pg_cpu_us_per_event']:.0f} µs PostgreSQL, "
                f"{e['ingest_client_cpu_us_per_event']:.0f} µs clients"
            )
        if "bulk_s" in e:
            lines.append(f"- bulk load of {int(size):,} events: {e['bulk_s']:.1f} s")
    lines.append(f"- peak resident memory of a server worker: {r['peak_rss_mib']:.0f} MiB")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=32.0)
    parser.add_argument("--quick", action="store_true", help="3k and 20k events, few repeats")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.repeat, args.seconds = "3000,20000", 5, 2.0
    chosen = [int(s) for s in args.sizes.split(",")]
    outcome = asyncio.run(main(chosen, args.repeat, args.seconds))
    Path(ROOT / "bench" / "results.json").write_text(json.dumps(outcome, indent=2, default=str))
    print(report(outcome))
