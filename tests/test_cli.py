"""The `burnrate` command, run as a real process (see the contract's CLI.md)."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest

from models import ApiKey
from server.auth import hash_secret
from tests import world
from tests.api import Api
from tests.processes import (
    BURNRATE,
    ROOT,
    assert_one_line_failure,
    burnrate,
    free_port,
    wait_ready,
)


def test_migrate_is_safe_to_repeat(tmp_sqlite: str) -> None:
    for said in ("created the database schema", "database is up to date"):
        result = burnrate("migrate", database_url=tmp_sqlite)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(said)
    path = tmp_sqlite.removeprefix("sqlite://")
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"workspace", "usage_event", "daily_usage", "api_key"} <= tables


async def test_migrate_repeats_on_the_test_database(database: str) -> None:
    """The suite's database (SQLite or PostgreSQL) is already migrated: nothing to redo."""
    result = burnrate("migrate", database_url=database)
    assert result.returncode == 0, result.stderr


def test_keys_create_prints_the_key_last_and_stores_its_hash(tmp_sqlite: str) -> None:
    assert burnrate("migrate", database_url=tmp_sqlite).returncode == 0
    result = burnrate("keys", "create", "--admin", "--name", "ops", database_url=tmp_sqlite)
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("br_") and " " not in key
    with sqlite3.connect(tmp_sqlite.removeprefix("sqlite://")) as conn:
        rows = conn.execute("SELECT name, scopes, secret_hash FROM api_key").fetchall()
    assert rows == [("ops", "ADMIN", hash_secret(key))]


async def test_keys_create_for_a_workspace(api: Api, database: str) -> None:
    ws = await world.workspace(api)
    result = burnrate(
        "keys", "create", "--workspace", ws, "--scope", "usage:read", "--scope", "usage:write",
        "--name", "integration", database_url=database,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    stored = await ApiKey.get(name="integration")
    assert (stored.scopes, stored.secret_hash) == ("USAGE_READ,USAGE_WRITE", hash_secret(key))
    viewer = await api.as_key(key).ok("{ viewer { scopes workspace { id } } }")
    assert viewer == {"viewer": {"scopes": ["USAGE_READ", "USAGE_WRITE"], "workspace": {"id": ws}}}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("keys", "create", "--name", "x"), "either --admin or --workspace"),
        (("keys", "create", "--admin", "--workspace", "1", "--name", "x"), "either"),
        (("keys", "create", "--workspace", "1", "--name", "x"), "--scope"),
        (("keys", "create", "--workspace", "42", "--scope", "usage:read", "--name", "x"), "42"),
        (("keys", "create", "--workspace", "junk", "--scope", "usage:read", "--name", "x"), "junk"),
        (("serve", "--workers", "0"), "--workers"),
    ],
)
def test_bad_arguments_fail_with_one_line(
    tmp_sqlite: str, args: tuple[str, ...], needle: str
) -> None:
    assert burnrate("migrate", database_url=tmp_sqlite).returncode == 0
    assert_one_line_failure(burnrate(*args, database_url=tmp_sqlite), needle)


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("mysql://root@localhost/x", "not supported"),
        ("sqlite:///no/such/folder/x.sqlite3", "does not exist"),
        ("postgres://root@127.0.0.1:1/burnrate", "cannot reach the database"),
        ("postgres://root@127.0.0.1:5432", "needs a host and a database"),
    ],
)
def test_bad_database_urls_fail_with_one_line(url: str, needle: str) -> None:
    assert_one_line_failure(burnrate("migrate", database_url=url), needle)


def test_default_database_is_a_file_in_the_working_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [BURNRATE, "migrate"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "burnrate.sqlite3").exists()


def test_schema_command_prints_the_committed_schema(tmp_sqlite: str) -> None:
    result = burnrate("schema", database_url=tmp_sqlite)
    assert result.returncode == 0
    assert result.stdout == (ROOT / "schema.graphql").read_text()


def test_serve_answers_over_real_http(tmp_sqlite: str) -> None:
    """`burnrate serve` as operators run it: its own process, its lifespan, two workers."""
    assert burnrate("migrate", database_url=tmp_sqlite).returncode == 0
    created = burnrate("keys", "create", "--admin", "--name", "ops", database_url=tmp_sqlite)
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [BURNRATE, "serve", "--port", str(port), "--workers", "2"],
        env=dict(os.environ, DATABASE_URL=tmp_sqlite),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        for _ in range(4):  # several requests, so both workers answer
            answer = httpx.post(
                f"{base}/graphql",
                json={"query": "{ viewer { name scopes } }"},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert answer.json()["data"] == {"viewer": {"name": "ops", "scopes": ["ADMIN"]}}
            assert answer.json()["extensions"]["cost"]["requested"] == 1
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert output.count("Started server process") == 2, output
    assert "Traceback" not in output


def test_the_shared_socket_of_several_workers_is_tcp() -> None:
    """So that asyncio sets TCP_NODELAY on each connection (no 40 ms delayed-ACK stalls)."""
    from server.cli import _TcpConfig

    sock = _TcpConfig("server.app:create_app", host="127.0.0.1", port=0, workers=2).bind_socket()
    try:
        assert sock.proto == socket.IPPROTO_TCP
        sock.listen()
        client = socket.create_connection(sock.getsockname())
        accepted, _ = sock.accept()
        assert accepted.proto == socket.IPPROTO_TCP
        client.close()
        accepted.close()
    finally:
        sock.close()
