"""Load test: 32 concurrent clients for a fixed time against `burnrate serve --workers 2` on
PostgreSQL, and what they got: answers by status and error code, latency per operation.

    .venv/bin/python bench/load.py                   # 32 clients, 30 s, mixed reads and writes
    .venv/bin/python bench/load.py --seconds 60 --clients 64
    .venv/bin/python bench/load.py --rate-limits     # with the default per-key budgets

Each client has its own workspace key and loops: nine in ten requests are the Usage page
(`tests/dashboard.py`) with a random agent filter, one in ten records a 50-event batch.
Without `--rate-limits` the server runs with budgets no client reaches (it measures
capacity); with it, the default budgets apply and RATE_LIMITED answers show in the table.
It creates (and drops first) the database `burnrate_load`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import as_input, events, fresh_database  # noqa: E402
from bench.run import (  # noqa: E402
    BURNRATE,
    UNLIMITED,
    Api,
    free_port,
    ingest,
    new_workspace,
    wait_ready,
)
from models.rules.enums import Scope  # noqa: E402
from resolvers.ids import decode_id  # noqa: E402
from server import db  # noqa: E402
from server.auth import create_key  # noqa: E402
from tests.dashboard import DASHBOARD  # noqa: E402

DATABASE = "burnrate_load"
RECORD = "mutation($i: RecordUsageInput!) { recordUsage(input: $i) { accepted duplicates } }"


class Tally:
    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.latency: dict[str, list[float]] = {"dashboard": [], "recordUsage": []}

    def add(self, operation: str, response: httpx.Response | None, seconds: float) -> None:
        self.latency[operation].append(seconds)
        if response is None:
            self.outcomes["transport error"] += 1
            return
        try:
            codes = {e["extensions"]["code"] for e in response.json().get("errors") or []}
        except ValueError:
            codes = {"not JSON"}
        label = f"{response.status_code} " + (",".join(sorted(codes)) if codes else "ok")
        self.outcomes[label] += 1


async def client(
    base: str, key: str, ws: str, bots: list[str], stop: float, tally: Tally, n: int
) -> None:
    rng = random.Random(n)
    now = datetime.now(UTC) - timedelta(minutes=5)
    batch = 0
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        headers = {"Authorization": f"Bearer {key}"}
        while time.perf_counter() < stop:
            if rng.random() < 0.9:
                operation = "dashboard"
                agent = rng.choice([None, *bots[:5]])
                body: dict[str, Any] = {"query": DASHBOARD, "variables": {"id": ws, "agent": agent}}
            else:
                operation = "recordUsage"
                batch += 1
                evs = []
                for k, e in enumerate(events(50, now, seed=n * 100_000 + batch)):
                    event = as_input(e, bots)  # keys and conversations of this batch only
                    conversation = dict(event["conversation"])  # type: ignore[call-overload]
                    conversation["externalId"] = f"load-{n}-{batch}-{e.conversation}"
                    evs.append(
                        {**event, "idempotencyKey": f"load-{n}-{batch}-{k}",
                         "conversation": conversation}
                    )  # fmt: skip
                body = {"query": RECORD, "variables": {"i": {"workspaceId": ws, "events": evs}}}
            began = time.perf_counter()
            try:
                response: httpx.Response | None = await http.post(
                    "/graphql", json=body, headers=headers
                )
            except httpx.TransportError:
                response = None
            tally.add(operation, response, time.perf_counter() - began)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


async def main(clients: int, seconds: float, rate_limits: bool, seed_events: int) -> str:
    url = await fresh_database(DATABASE)
    admin = (await create_key("load admin", frozenset({Scope.ADMIN}), None)).secret
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, BURNRATE_LOG_FORMAT="json")
    if not rate_limits:
        env.update(UNLIMITED)
    server = subprocess.Popen(  # noqa: ASYNC220 (started once, before any measurement)
        [BURNRATE, "serve", "--port", str(port), "--workers", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    api = Api(base, admin)
    try:
        await wait_ready(api)
        ws, bots = await new_workspace(api, "load")
        end = datetime.now(UTC) - timedelta(minutes=10)
        await ingest(api, ws, bots, list(events(seed_events, end)), f"seed {seed_events:,}")
        pk = decode_id(ws, "Workspace")
        keys = [
            (await create_key(f"load {n}", frozenset({Scope.USAGE_READ, Scope.USAGE_WRITE}), pk))
            for n in range(clients)
        ]
        tally = Tally()
        stop = time.perf_counter() + seconds
        began = time.perf_counter()
        await asyncio.gather(
            *(client(base, k.secret, ws, bots, stop, tally, n) for n, k in enumerate(keys))
        )
        took = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(timeout=60)
        await api.client.aclose()
        await db.close()
    total = sum(tally.outcomes.values())
    lines = [
        f"{clients} clients for {seconds:.0f} s against `burnrate serve --workers 2` "
        f"({'default budgets' if rate_limits else 'budgets raised'}), "
        f"{seed_events:,} events seeded: {total:,} requests, {total / took:.1f} req/s",
        "",
        "| answer | requests |",
        "| --- | ---: |",
        *(f"| {label} | {n:,} |" for label, n in tally.outcomes.most_common()),
        "",
        "| operation | requests | median | p95 | p99 | max |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for operation, values in tally.latency.items():
        if values:
            lines.append(
                f"| {operation} | {len(values):,} | {statistics.median(values) * 1000:.0f} ms | "
                f"{percentile(values, 0.95) * 1000:.0f} ms | "
                f"{percentile(values, 0.99) * 1000:.0f} ms | {max(values) * 1000:.0f} ms |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--events", type=int, default=20_000, help="events seeded first")
    parser.add_argument("--rate-limits", action="store_true", help="keep the default budgets")
    args = parser.parse_args()
    print(asyncio.run(main(args.clients, args.seconds, args.rate_limits, args.events)))
