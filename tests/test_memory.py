"""Memory is bounded (issue 11, item 3): distinct large documents, with and without a key,
leave a served worker's resident memory within a stated bound (docs/operations.md). Before,
40 anonymous 3.9 MB documents grew a worker from 51 MB to 500 MB: every text was parsed,
validated and cached by the endpoint (512 entries) and by Strawberry (256 more)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from tests.dashboard import DASHBOARD
from tests.processes import (
    BURNRATE,
    answering_pid,
    burnrate,
    free_port,
    rss_bytes,
    wait_ready,
)

#: What a worker may grow by while answering the documents below (the document cache is
#: bounded at 16 MB by default, with allocator slack on top).
GROWTH_BOUND = 48 * 1024 * 1024
DOCUMENTS = 200


@pytest.fixture
def server(tmp_sqlite: str) -> Iterator[tuple[str, str, int]]:
    assert burnrate("migrate", database_url=tmp_sqlite).returncode == 0
    created = burnrate("keys", "create", "--admin", "--name", "mem", database_url=tmp_sqlite)
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    process = subprocess.Popen(
        [BURNRATE, "serve", "--port", str(port), "--workers", "1"],
        # budgets no test reaches: this one sends 200 Usage pages within seconds
        env=dict(os.environ, DATABASE_URL=tmp_sqlite, BURNRATE_RATE_LIMIT_POINTS="1000000000"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        yield base, key, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _large(n: int) -> str:
    """A distinct 3.9 MB document (a string literal, as in the issue)."""
    return '{ viewer(x: "' + f"{n:06d}" + "a" * 3_900_000 + '") { name } }'


def _at_the_limits(n: int) -> str:
    """A distinct document just within the default limits (30,000 characters, 990
    selections and tokens): parsed and validated, too large to cache."""
    fields = " ".join(f"x{n}_{i}" for i in range(990))
    return "#" + "p" * (29_990 - len(fields)) + "\n{ " + fields + " }"


def _small(n: int) -> str:
    """A distinct Usage page query: small enough to cache."""
    return DASHBOARD.replace("query Dashboard", f"query Dashboard{n}")


def test_distinct_large_documents_leave_memory_bounded(server: tuple[str, str, int]) -> None:
    base, key, pid = server
    assert answering_pid(pid) == pid  # one worker: the process itself answers
    keyed = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(3):  # warm: imports, pools and caches of a working server
            client.post("/graphql", json={"query": DASHBOARD, "variables": {"id": "x"}},
                        headers=keyed)  # fmt: skip
        before = rss_bytes(pid)
        for n in range(DOCUMENTS):
            anonymous = client.post("/graphql", json={"query": _large(n)})
            assert anonymous.status_code == 401
            refused = client.post("/graphql", json={"query": _large(n)}, headers=keyed)
            assert "characters long" in refused.json()["errors"][0]["message"]
            parsed = client.post("/graphql", json={"query": _at_the_limits(n)}, headers=keyed)
            assert "Cannot query field" in parsed.json()["errors"][0]["message"]
            cached = client.post(
                "/graphql", json={"query": _small(n), "variables": {"id": "x"}}, headers=keyed
            )
            assert cached.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        after = rss_bytes(pid)
    print(f"worker RSS {before / 2**20:.1f} MB -> {after / 2**20:.1f} MB")
    assert after - before <= GROWTH_BOUND, (before, after)
