"""No message of the `burnrate` command shows a password from DATABASE_URL or
BURNRATE_REDIS_URL: success lines, bad URLs, unreachable databases, failures of every kind,
and the server's own log."""

from __future__ import annotations

import os
import subprocess
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import pytest

from tests.processes import BURNRATE, burnrate, free_port, serving

PASSWORD = "Pw-s3cr3t-4711"
ENCODED = "Pw%2Ds3cr3t%2D4711"  # the same password, percent-encoded in a URL


def _leaks(result: subprocess.CompletedProcess[str] | str) -> bool:
    text = result if isinstance(result, str) else result.stdout + result.stderr
    return PASSWORD in text or ENCODED in text or "s3cr3t" in text


def _failure(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("burnrate: ") and "Traceback" not in result.stderr
    return line


def _with_password(url: str, password: str = PASSWORD) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username or 'root'}:{password}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


BAD_URLS = [
    f"mysql://root:{PASSWORD}@localhost/x",
    f"postgres://root:{PASSWORD}@127.0.0.1:5432",
    f"postgres://root:{PASSWORD}@127.0.0.1:1/burnrate",
    f"postgres://root:{ENCODED}@127.0.0.1:1/burnrate",
    f"postgres://root@127.0.0.1:1/burnrate?password={PASSWORD}",
    f"postgres://root:{PASSWORD}@127.0.0.1:notaport/burnrate",
    f"postgres://root:{PASSWORD}@[::1/burnrate",
    f"postgres://root:{PASSWORD}@no-such-host.invalid:5432/burnrate",
    f"postgresql://root:{quote('p@ss:' + PASSWORD)}@127.0.0.1:1/burnrate",
]
COMMANDS = [
    ("migrate",),
    ("keys", "list"),
    ("keys", "create", "--admin", "--name", "x"),
    ("keys", "revoke", "1"),
    ("demo", "--port", "1"),
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_bad_or_unreachable_database_url_is_masked(url: str) -> None:
    result = burnrate("migrate", database_url=url)
    line = _failure(result)
    assert not _leaks(result), line
    assert "***" in line  # the URL is named, masked


@pytest.mark.parametrize("url", BAD_URLS[:2] + BAD_URLS[5:7])
def test_serve_refuses_a_bad_database_url_masked(url: str) -> None:
    result = burnrate("serve", "--port", str(free_port()), database_url=url)
    line = _failure(result)
    assert "***" in line and not _leaks(result), line


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_masks_the_password_of_an_unreachable_database(
    command: tuple[str, ...],
) -> None:
    url = f"postgres://root:{PASSWORD}@127.0.0.1:1/burnrate"
    result = burnrate(*command, database_url=url)
    line = _failure(result)
    assert not _leaks(result), line
    assert "postgres://root:***@127.0.0.1:1/burnrate" in line


def test_a_bad_redis_url_is_masked(tmp_sqlite: str) -> None:
    for url in (f"http://user:{PASSWORD}@127.0.0.1/0", f"redis://:{PASSWORD}@127.0.0.1:x/0"):
        env = dict(os.environ, DATABASE_URL=tmp_sqlite, BURNRATE_REDIS_URL=url)
        result = subprocess.run(
            [BURNRATE, "serve", "--port", str(free_port())],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        line = _failure(result)
        assert "BURNRATE_REDIS_URL" in line and not _leaks(result), line


def test_the_server_log_masks_an_unreachable_redis(tmp_sqlite: str) -> None:
    assert burnrate("migrate", database_url=tmp_sqlite).returncode == 0
    created = burnrate("keys", "create", "--admin", "--name", "ops", database_url=tmp_sqlite)
    key = created.stdout.strip().splitlines()[-1]
    env = {"BURNRATE_REDIS_URL": f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"}
    with serving(tmp_sqlite, env=env) as server:
        answer = httpx.post(
            f"{server.base}/graphql",
            json={"query": "{ viewer { name } }"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert answer.status_code == 200
    assert any("budget store" in line for line in server.lines), server.output()
    assert not _leaks(server.output()), server.output()


def test_the_server_log_masks_an_unreachable_database() -> None:
    url = f"postgres://root:{PASSWORD}@127.0.0.1:{free_port()}/burnrate"
    with serving(url, ready=False) as server:
        assert httpx.get(f"{server.base}/readyz").status_code == 503
        answer = httpx.post(
            f"{server.base}/graphql",
            json={"query": "{ viewer { name } }"},
            # shaped like a key, so it is looked up in the (unreachable) database
            headers={"Authorization": "Bearer br_" + "L" * 43},
        )
        assert answer.status_code == 503
    assert not _leaks(server.output()), server.output()


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "command", [("migrate",), ("keys", "list"), ("keys", "create", "--admin", "--name", "x")]
)
async def test_success_lines_mask_the_password(database: str, command: tuple[str, ...]) -> None:
    """The test server trusts local connections, so a password in the URL is accepted."""
    result = burnrate(*command, database_url=_with_password(database))
    assert result.returncode == 0, result.stderr
    assert not _leaks(result), result.stdout
    if command == ("migrate",):
        assert f"database is up to date: postgres://root:***@{urlsplit(database).hostname}" in (
            result.stdout
        )
