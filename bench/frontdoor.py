"""The front door under attack (issue 11, item 2): the worst requests built for it, anonymous
and keyed, against a real `burnrate serve --workers 1` (SQLite), and what each costs the
worker, with the stall it causes to a concurrent `{ viewer { name } }`.

    .venv/bin/python bench/frontdoor.py                         # this checkout
    .venv/bin/python bench/frontdoor.py --before /tmp/base      # and another, side by side
    .venv/bin/python bench/frontdoor.py --only legit --repeat 21 --no-stall

- CPU per request: the worker's time on a CPU (/proc/<pid>/schedstat, nanoseconds; the
  utime+stime of /proc/<pid>/stat only has 10 ms ticks), read before a request and 50 ms
  after its answer; each request is sent --repeat times, one at a time, and the median and
  the largest are reported. With --before, the two servers answer in alternation, so both
  see the same machine.
- Stall: 8 copies of a request sent at once, while a probe sends `{ viewer { name } }`
  again and again with a key; reported: the probe's slowest answer while they ran, next
  to its median on an idle server.

Rate limits are raised: this measures work, not budgets. The machine is shared: read the
figures as ratios within one run, and repeat.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import UNLIMITED, free_port  # noqa: E402
from tests import world  # noqa: E402
from tests.api import Api  # noqa: E402
from tests.dashboard import DASHBOARD  # noqa: E402
from tests.processes import answering_pid, wait_ready  # noqa: E402

BOOT = "import sys; from server.cli import main; sys.exit(main(sys.argv[1:]))"
PROBE = json.dumps({"query": "{ viewer { name } }"})
T0 = world.iso(datetime.now(UTC).replace(microsecond=0) - timedelta(days=1))


def _doubling(levels: int) -> str:
    chain = "".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }} " for i in range(levels))
    return "{ ...F0 } " + chain + f"fragment F{levels} on Query {{ __typename }}"


def _query(document: str) -> str:
    return json.dumps({"query": document})


def _literal(value: Any, key: str = "") -> str:
    """A value written as a GraphQL literal (the enum fields unquoted)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_literal(v, k)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if key in ("channel", "type"):
        return str(value)
    return json.dumps(value)


#: The attacks of issue 11 and the worst found within the new limits (bench/frontdoor.py
#: documents why each is there in docs/operations.md). Each is a request body.
ATTACKS: dict[str, str] = {
    "59,000 `__typename` (649 kB)": _query("{" + " __typename" * 59_000 + " }"),
    "3.9 MB string literal": _query('{ viewer(x: "' + "a" * 3_900_000 + '") { name } }'),
    "1,000 `viewer { name }`": _query("{" + " viewer { name }" * 1_000 + " }"),
    "fragments doubling, 18 levels": _query(_doubling(18)),
    "JSON nested 1,000 deep": '{"query": "{ viewer { name } }", "variables": {"v": '
    + "[" * 1000
    + "]" * 1000
    + "}}",
    "4 MB of JSON `[]`": '{"query": "{ viewer { name } }", "variables": {"v": ['
    + "[]," * 1_330_000
    + "[]]}}",
    "4 MB of JSON floats": '{"query": "{ viewer { name } }", "variables": {"v": ['
    + "1.1e-300," * 440_000
    + "0]}}",
    # within the new limits, the most expensive found for a keyed caller
    "990 list items (unknown argument)": _query("{ viewer(x: [" + "1 " * 985 + "]) { name } }"),
    "990 unknown fields": _query("{ " + " ".join(f"x{i}" for i in range(990)) + " }"),
    "30,000 line breaks, 300 unknown fields": _query(
        "\n" * 30_000 + "{ " + " ".join(f"x{i}" for i in range(300)) + " }"
    ),
    "44 fragments of the same field": _query(
        "{ " + " ".join(f"...F{i}" for i in range(44)) + " } "
        + " ".join(f"fragment F{i} on Query {{ viewer {{ name }} }}" for i in range(44))
    ),
    "30 aliased `node` with fragments": _query(
        "{ " + " ".join(
            f'a{i}: node(id: "x") {{ id ... on Workspace {{ name plan {{ code }} }} }}'
            for i in range(30)
        ) + " }"
    ),
    "20 operations": json.dumps({
        "query": " ".join(f"query Q{i} {{ __typename }}" for i in range(20)),
        "operationName": "Q0",
    }),
    "32,000-character escaped string": _query(
        '{ viewer(x: "' + "\\u0041" * 5_300 + '") { name } }'
    ),
    "60,000 JSON integers": '{"query": "{ viewer { name } }", "variables": {"v": ['
    + "1," * 59_990
    + "1]}}",
}  # fmt: skip


@dataclass
class Server:
    tree: Path
    label: str
    tmp: Path
    process: subprocess.Popen[bytes] | None = None
    base: str = ""
    key: str = ""
    pid: int = 0
    workspace: str = ""
    assistant: str = ""
    batches: int = 0
    costs: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", BOOT, *args], cwd=self.tree, env=self.env(),
            capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        return done.stdout

    def env(self) -> dict[str, str]:
        url = f"sqlite://{self.tmp / f'{self.label}.sqlite3'}"
        return dict(os.environ, DATABASE_URL=url, BURNRATE_LOG_FORMAT="json", **UNLIMITED)

    def start(self) -> None:
        self.cli("migrate")
        self.key = self.cli("keys", "create", "--admin", "--name", "bench").strip().splitlines()[-1]
        port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-c", BOOT, "serve", "--port", str(port), "--workers", "1"],
            cwd=self.tree, env=self.env(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{port}"
        wait_ready(self.base)
        self.pid = answering_pid(self.process.pid)
        assert self.pid == self.process.pid, "one worker: the process itself answers"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def cpu_ns(self) -> int:
        return int(Path(f"/proc/{self.pid}/schedstat").read_text().split()[0])

    async def seed(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=60) as client:
            api = Api(client, self.key)
            self.workspace = await world.workspace(api, "Bench")
            self.assistant = await world.assistant(api, self.workspace)
            events = [world.event(f"seed-{i}", T0, self.assistant, f"c{i % 7}") for i in range(30)]
            await world.record(api, self.workspace, events)

    def batch(self, inline: bool, size: int) -> str:
        """A `recordUsage` body of new events (new keys each time)."""
        self.batches += 1
        events = [
            world.event(f"b{self.batches}-{i}", T0, self.assistant, f"b{self.batches}")
            for i in range(size)
        ]
        if not inline:
            variables = {"input": {"workspaceId": self.workspace, "events": events}}
            return json.dumps({"query": world.RECORD_USAGE, "variables": variables})
        return _query(
            f'mutation {{ recordUsage(input: {{workspaceId: "{self.workspace}", '
            f"events: {_literal(events)}}}) {{ accepted duplicates }} }}"
        )


Maker = Callable[[Server], str]
#: Requests clients send every day, as they send them: the same documents again and again
#: (so cached after the first), with new events in each batch.
BATCH = "1,000-event batch in variables"
LEGIT: dict[str, Maker] = {
    "`{ viewer { name } }`": lambda server: PROBE,
    "the Usage page": lambda server: json.dumps(
        {"query": DASHBOARD, "variables": {"id": server.workspace}}
    ),
    BATCH: lambda server: server.batch(False, 1000),
    "18-event batch written inline": lambda server: server.batch(True, 18),
}
_sent = itertools.count()


def distinct(body: str) -> Maker:
    """The attack's body, made distinct at each send by a comment opening its document, as an
    attacker would, so no cache spares the server any work."""
    head = '{"query": "'
    assert body.startswith(head)
    return lambda server: f"{head}#{next(_sent)}\\n{body[len(head) :]}"


def _post(client: httpx.Client, body: str, key: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return client.post("/graphql", content=body, headers=headers)


def measure(servers: list[Server], name: str, make: Maker, keyed: bool, repeat: int) -> None:
    """Each server answers the request `repeat` times, the servers in alternation."""
    clients = {s.label: httpx.Client(base_url=s.base, timeout=600) for s in servers}
    try:
        rounds = 0
        while rounds < repeat:
            rounds += 1
            for server in servers:
                text = make(server)
                before = server.cpu_ns()
                answer = _post(clients[server.label], text, server.key if keyed else None)
                time.sleep(0.05)  # what the worker does after answering counts too
                spent = (server.cpu_ns() - before) / 1e6
                server.costs.setdefault(name, []).append(spent)
                server.statuses[name] = answer.status_code
                if spent > 1_000:  # seconds per request: two rounds are enough
                    repeat = min(repeat, 2)
    finally:
        for client in clients.values():
            client.close()


def _probe(base: str, key: str, stop: Any, out: Any) -> None:
    """In its own process: `{ viewer { name } }` again and again until told to stop; puts
    the slowest answer (ms)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    slowest = 0.0
    with httpx.Client(base_url=base, timeout=600) as client:
        while not stop.is_set():
            start = time.perf_counter()
            client.post("/graphql", content=PROBE, headers=headers)
            slowest = max(slowest, (time.perf_counter() - start) * 1000)
            time.sleep(0.005)
    out.put(slowest)


def stall(server: Server, make: Maker, keyed: bool, copies: int = 8) -> tuple[float, float]:
    """The probe's slowest answer while `copies` requests run at once, in ms; and how long
    they took together, in s. The probe runs in another process and each copy in its own
    thread, so the harness's own work does not delay the probe."""
    context = multiprocessing.get_context("fork")
    stop, out = context.Event(), context.Queue()
    prober = context.Process(target=_probe, args=(server.base, server.key, stop, out))
    prober.start()
    time.sleep(0.5)

    def attack(body: str) -> None:
        with httpx.Client(base_url=server.base, timeout=600) as client:
            _post(client, body, server.key if keyed else None)

    bodies = [make(server) for _ in range(copies)]
    start = time.perf_counter()
    with ThreadPoolExecutor(copies) as pool:
        list(pool.map(attack, bodies))
    took = time.perf_counter() - start
    stop.set()
    slowest: float = out.get(timeout=600)
    prober.join()
    return slowest, took


async def idle_probe(server: Server) -> float:
    headers = {"Authorization": f"Bearer {server.key}", "Content-Type": "application/json"}
    times = []
    async with httpx.AsyncClient(base_url=server.base, timeout=60) as client:
        for _ in range(40):
            start = time.perf_counter()
            await client.post("/graphql", content=PROBE, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def table(servers: list[Server], rows: list[tuple[str, str]]) -> str:
    head = "| request | who | " + " | ".join(
        f"{s.label}: status, CPU ms median (max)" for s in servers
    )
    lines = [head + " |", "|" + " --- |" * (2 + len(servers))]
    for name, who in rows:
        cells = []
        for server in servers:
            costs = server.costs.get(f"{who}:{name}", [])
            if not costs:
                cells.append("–")
                continue
            status = server.statuses[f"{who}:{name}"]
            cells.append(f"{status}, {statistics.median(costs):,.1f} ({max(costs):,.1f})")
        lines.append(f"| {name} | {who} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


async def main(before: Path | None, only: str, repeat: int, stalls: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        servers = [Server(ROOT, "after", Path(tmp))]
        if before is not None:
            servers.insert(0, Server(before, "before", Path(tmp)))
        try:
            for server in servers:
                server.start()
                await server.seed()
            rows: list[tuple[str, str]] = []
            for who in ("anonymous", "keyed"):
                if only not in ("all", "attacks", who):
                    continue
                for name, body in ATTACKS.items():
                    print(f"{who}: {name}", file=sys.stderr, flush=True)
                    measure(servers, f"{who}:{name}", distinct(body), who == "keyed", repeat)
                    rows.append((name, who))
            if only in ("all", "legit"):
                for name, make in LEGIT.items():
                    print(f"legit: {name}", file=sys.stderr, flush=True)
                    measure(servers, f"keyed:{name}", make, True, repeat)
                    rows.append((name, "keyed"))
            print(table(servers, rows))
            if stalls:
                print("\n| 8 at once | who | " + " | ".join(
                    f"{s.label}: probe's slowest (idle median), all 8 took" for s in servers
                ) + " |")  # fmt: skip
                print("|" + " --- |" * (2 + len(servers)))
            for name in stalls:
                for who in ("anonymous", "keyed"):
                    cells = []
                    for server in servers:
                        idle = await idle_probe(server)
                        slowest, took = stall(server, distinct(ATTACKS[name]), who == "keyed")
                        cells.append(f"{slowest:,.0f} ms ({idle:.1f} ms), {took:.2f} s")
                    print(f"| {name} | {who} | " + " | ".join(cells) + " |", flush=True)
            if stalls:  # the longest a legitimate request holds the loop, alone
                cells = []
                for server in servers:
                    idle = await idle_probe(server)
                    slowest, took = stall(server, LEGIT[BATCH], True, copies=1)
                    cells.append(f"{slowest:,.0f} ms ({idle:.1f} ms), {took:.2f} s (1 alone)")
                print(f"| {BATCH} | keyed | " + " | ".join(cells) + " |", flush=True)
        finally:
            for server in servers:
                server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="another checkout, measured side by side")
    parser.add_argument(
        "--only", choices=("all", "attacks", "anonymous", "keyed", "legit"), default="all"
    )
    parser.add_argument("--no-stall", action="store_true", help="skip the 8-at-once runs")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--stall", action="append", choices=list(ATTACKS),
        help="attacks whose stall is measured (default: the issue's three and the worst kept)",
    )  # fmt: skip
    args = parser.parse_args()
    stalls = args.stall or [
        "59,000 `__typename` (649 kB)",
        "3.9 MB string literal",
        "990 list items (unknown argument)",
        "44 fragments of the same field",
    ]
    asyncio.run(main(args.before, args.only, args.repeat, [] if args.no_stall else stalls))
