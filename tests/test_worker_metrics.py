"""/metrics of `burnrate serve --workers 2` adds up both workers, whichever answers the
scrape; labels come from a closed set; a dead worker's gauges leave with it."""

from __future__ import annotations

import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.processes import Server, burnrate, metric, serving

QUERIES = [{"query": "{ viewer { name } }"}, {"query": "{ viewer { nope } }"}]  # 200, 400


def _pids_answering(server: Server, path: str) -> set[int]:
    """The worker pids that wrote an access line for `path`."""
    return {
        line["pid"]
        for line in server.json_lines()
        if line.get("logger") == "burnrate.access" and line.get("path") == path
    }


def _fresh_connection_get(url: str) -> httpx.Response:
    with httpx.Client(headers={"Connection": "close"}) as client:
        return client.get(url)


@pytest.fixture
def workers(tmp_sqlite: str) -> str:
    assert burnrate("migrate", database_url=tmp_sqlite).returncode == 0
    return tmp_sqlite


def test_metrics_add_up_every_worker(workers: str) -> None:
    created = burnrate("keys", "create", "--admin", "--name", "ops", database_url=workers)
    headers = {"Authorization": f"Bearer {created.stdout.strip().splitlines()[-1]}"}

    def post(base: str, n: int) -> int:
        with httpx.Client(headers={"Connection": "close", **headers}) as client:
            return client.post(f"{base}/graphql", json=QUERIES[n % 2]).status_code

    with serving(workers, "--workers", "2") as server:
        sent = 0
        with ThreadPoolExecutor(8) as pool:
            # new connections until both workers have answered some
            while len(_pids_answering(server, "/graphql")) < 2:
                assert sent < 400, "one worker answered everything"
                statuses = pool.map(post, [server.base] * 16, range(16))
                assert sorted(statuses) == [200] * 8 + [400] * 8
                sent += 16
                time.sleep(0.2)  # the access lines reach the log
            scrapes = list(pool.map(_fresh_connection_get, [f"{server.base}/metrics"] * 16))
        time.sleep(0.2)
        scrapers = _pids_answering(server, "/metrics")
    assert len(scrapers) == 2, "both workers should have answered a scrape"
    for scrape in scrapes:
        assert scrape.status_code == 200
        text = scrape.text
        assert metric(text, "burnrate_requests_total", path="/graphql") == sent
        assert metric(text, "burnrate_requests_total", path="/graphql", status="200") == sent / 2
        assert metric(text, "burnrate_request_duration_seconds_count", path="/graphql") == sent
        assert metric(text, "burnrate_graphql_errors_total", code="BAD_USER_INPUT") == sent / 2
        assert metric(text, "burnrate_requests_in_flight") >= 1  # the scrape itself
        assert metric(text, "burnrate_db_pool_connections", state="open") >= 1
        assert 'pid="' not in text


def test_a_dead_workers_gauges_leave_with_it(workers: str) -> None:
    """A worker killed with a request in flight: its replacement's scrape does not count the
    dead one's request, and the metrics directory is removed when the server stops."""
    created = burnrate("keys", "create", "--admin", "--name", "ops", database_url=workers)
    key = created.stdout.strip().splitlines()[-1].encode()
    with serving(workers, "--workers", "2") as server:
        port = int(server.base.rsplit(":", 1)[1])
        hanging = []
        for _ in range(4):  # requests whose bodies never finish arriving, on both workers
            conn = socket.create_connection(("127.0.0.1", port))
            conn.sendall(
                b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Authorization: Bearer " + key + b"\r\n"  # a key's body is read
                b"Content-Length: 100\r\n\r\n{"
            )
            hanging.append(conn)
        time.sleep(0.5)
        before = httpx.get(f"{server.base}/metrics").text
        assert metric(before, "burnrate_requests_in_flight") == 4 + 1
        time.sleep(0.5)  # the scrape's own count is written after its answer
        workers_before = _worker_pids(server.process.pid)
        assert len(workers_before) == 2
        for pid in workers_before:
            os.kill(pid, 9)
        for conn in hanging:
            conn.close()
        deadline = time.monotonic() + 30
        while True:
            alive = _worker_pids(server.process.pid)
            if len(alive) == 2 and not alive & workers_before:
                try:
                    if httpx.get(f"{server.base}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
            assert time.monotonic() < deadline, "the workers were not replaced"
            time.sleep(0.3)
        after = httpx.get(f"{server.base}/metrics").text
        directory = next(line["directory"] for line in server.json_lines() if "directory" in line)
        assert Path(directory).is_dir()
    assert metric(after, "burnrate_requests_in_flight") == 1
    assert metric(after, "burnrate_requests_total", path="/metrics") >= 1  # counters stay
    assert not Path(directory).exists()


def _worker_pids(parent: int) -> set[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return {int(pid) for pid in children} - {_resource_tracker(parent)}


def _resource_tracker(parent: int) -> int:
    """multiprocessing's resource tracker is a child too: not a worker."""
    for pid in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"resource_tracker" in cmdline:
            return int(pid)
    return -1


async def test_an_unknown_http_method_is_labelled_other(http: httpx.AsyncClient) -> None:
    for method in ("BREW", "PROPFIND", "X" * 200):
        answer = await http.request(method, "/graphql")
        assert answer.status_code == 405
    text = (await http.get("/metrics")).text
    assert metric(text, "burnrate_requests_total", method="other", status="405") >= 3
    assert "BREW" not in text and "PROPFIND" not in text
