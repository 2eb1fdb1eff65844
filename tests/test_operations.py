"""Operations: keys (list, revoke, last used), /metrics, JSON logs with request ids, and a
graceful shutdown that lets in-flight requests finish."""

from __future__ import annotations

import hmac
import json
import logging
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from models import ApiKey
from models.rules.enums import Scope
from server import auth
from server.auth import create_key
from server.observe import JsonFormatter, request_id_var
from tests.api import Api
from tests.processes import BURNRATE, burnrate, free_port, metric, wait_ready


async def test_keys_list_and_revoke(api: Api, database: str) -> None:
    reader = await create_key("reader", frozenset({Scope.USAGE_READ}), None)
    await api.as_key(reader.secret).ok("{ viewer { name } }")

    listed = burnrate("keys", "list", database_url=database)
    assert listed.returncode == 0, listed.stderr
    [header, *rows] = listed.stdout.strip().splitlines()
    assert header.split()[:3] == ["ID", "NAME", "SCOPES"]
    row = next(r for r in rows if r.split()[0] == str(reader.id))
    assert "reader" in row and "USAGE_READ" in row and row.endswith("active")
    assert reader.secret not in listed.stdout

    revoked = burnrate("keys", "revoke", str(reader.id), database_url=database)
    assert revoked.returncode == 0, revoked.stderr
    assert f"revoked key {reader.id}" in revoked.stdout
    error = await api.as_key(reader.secret).error("{ viewer { name } }")
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    again = burnrate("keys", "list", database_url=database)
    assert "revoked " in next(
        r for r in again.stdout.splitlines() if r.split()[0] == str(reader.id)
    )

    missing = burnrate("keys", "revoke", "987654", database_url=database)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "burnrate: no key with id 987654"


async def test_a_missing_or_unknown_key_is_unauthenticated(api: Api) -> None:
    for key in (None, "br_unknown", "Basic abc"):
        error = await api.as_key(key).error("{ viewer { name } }")
        assert error["extensions"]["code"] == "UNAUTHENTICATED"


async def test_last_used_is_recorded_at_most_once_a_minute(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = await create_key("tracked", frozenset({Scope.USAGE_READ}), None)
    assert (await ApiKey.get(id=key.id)).last_used_at is None
    tracked = api.as_key(key.secret)
    await tracked.ok("{ viewer { name } }")
    first = (await ApiKey.get(id=key.id)).last_used_at
    assert first is not None
    await tracked.ok("{ viewer { name } }")
    assert (await ApiKey.get(id=key.id)).last_used_at == first  # within the minute: no write
    monkeypatch.setitem(
        auth._last_written, auth.hash_secret(key.secret), first - auth.LAST_USED_RESOLUTION
    )
    await tracked.ok("{ viewer { name } }")
    later = (await ApiKey.get(id=key.id)).last_used_at
    assert later is not None and later > first


async def test_the_stored_hash_is_compared_in_constant_time(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[str, str]] = []
    original = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    await api.ok("{ viewer { name } }")
    assert compared and compared[0][0] == compared[0][1] == auth.hash_secret(str(api.key))


async def test_metrics_count_requests_latency_error_codes_and_the_pool(api: Api) -> None:
    before = (await api.http.get("/metrics")).text
    await api.ok("{ viewer { name } }")
    await api.as_key(None).error("{ viewer { name } }")
    await api.http.post(
        "/graphql",
        content="{nope",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {api.key}"},
    )
    scrape = await api.http.get("/metrics")
    assert scrape.headers["content-type"].startswith("text/plain")
    text = scrape.text

    def delta(name: str, **labels: str) -> float:
        return metric(text, name, **labels) - metric(before, name, **labels)

    # the counters are the process' (every app of the suite counts): compared before/after
    graphql = {"method": "POST", "path": "/graphql"}
    assert delta("burnrate_requests_total", **graphql, status="200") == 1
    assert delta("burnrate_requests_total", **graphql, status="400") == 1
    assert delta("burnrate_requests_total", **graphql, status="401") == 1
    assert delta("burnrate_graphql_errors_total", code="UNAUTHENTICATED") == 1
    assert delta("burnrate_graphql_errors_total", code="BAD_USER_INPUT") == 1
    assert delta("burnrate_request_duration_seconds_count", path="/graphql") == 3
    inf = delta("burnrate_request_duration_seconds_bucket", path="/graphql", le="+Inf")
    assert inf == 3
    assert metric(text, "burnrate_db_pool_connections", state="open") >= 1
    assert "# TYPE burnrate_request_duration_seconds histogram" in text


def test_json_log_lines_carry_the_request_id() -> None:
    formatter = JsonFormatter()
    token = request_id_var.set("req-9")
    try:
        record = logging.makeLogRecord(
            {"name": "burnrate.x", "levelname": "WARNING", "msg": "hello %s", "args": ("you",)}
        )
        record.status = 503
        line = json.loads(formatter.format(record))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "hello you" and line["level"] == "warning"
    assert line["request_id"] == "req-9" and line["status"] == 503
    assert line["time"].endswith("+00:00")


def _serve(database_url: str, port: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [BURNRATE, "serve", "--port", str(port), *extra],
        env=dict(os.environ, DATABASE_URL=database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_serve_logs_json_lines_with_request_ids(tmp_sqlite: str) -> None:
    assert burnrate("migrate", database_url=tmp_sqlite).returncode == 0
    port = free_port()
    server = _serve(tmp_sqlite, port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        answer = httpx.post(
            f"{base}/graphql",
            json={"query": "{ viewer { name } }"},
            headers={"X-Request-ID": "trace-42"},
        )
        assert answer.headers["x-request-id"] == "trace-42"
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    access = [line for line in lines if line.get("request_id") == "trace-42"]
    assert access and access[-1]["logger"] == "burnrate.access"
    assert access[-1]["status"] == 401 and access[-1]["duration_ms"] > 0  # no key


def test_sigterm_lets_an_in_flight_request_finish(tmp_sqlite: str, tmp_path: Path) -> None:
    """The request's body is still arriving when SIGTERM comes: the server stops taking new
    connections, answers it in full, then exits cleanly."""
    assert burnrate("migrate", database_url=tmp_sqlite).returncode == 0
    created = burnrate("keys", "create", "--admin", "--name", "ops", database_url=tmp_sqlite)
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    server = _serve(tmp_sqlite, port)
    try:
        wait_ready(f"http://127.0.0.1:{port}")
        body = json.dumps({"query": "{ viewer { name } }"}).encode()
        head = (
            f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {key}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.sendall(head + body[:10])
            time.sleep(0.5)  # the request is in the app, awaiting the rest of its body
            server.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            assert server.poll() is None, "the server quit with a request in flight"
            with pytest.raises(OSError):  # no new connections while draining
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
            conn.sendall(body[10:])
            conn.settimeout(10)
            response = b""
            while b"}}" not in response:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                response += chunk
        assert response.startswith(b"HTTP/1.1 200"), response
        assert b'{"data":{"viewer":{"name":"ops"}}' in response
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
        output, _ = server.communicate(timeout=30)
    assert "Shutting down" in output and "Finished server process" in output
