"""The demo workspace served by real `burnrate` processes, built once per test session.

`demo_site` runs `burnrate demo` (migrate, load the demo through the write path, serve it
with uvicorn) on a database of its own: a SQLite file in a session temp folder, or a fresh
PostgreSQL database when BURNRATE_TEST_DATABASE_URL is set (dropped at the end). Loading
takes 6–16 s, so every test that needs the demo shares this one. Tests only read it; a test
that needs other server settings starts another process on the same database with
`demo_site.serve(...)` (its own budgets, links, …).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import sqlite3
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from tests.api import Api
from tests.conftest import ON_POSTGRES, POSTGRES_SERVER, _asyncpg_url, _with_database
from tests.processes import BURNRATE, free_port, wait_ready

#: Links of the demo's page (the settings of issue 15's "Where to next").
DEMO_LINKS = {
    "BURNRATE_LINK_BILLING": "https://platform.example/billing",
    "BURNRATE_LINK_CREDITS_EXPLAINED": "https://docs.platform.example/credits",
    "BURNRATE_LINK_CONVERSATIONS": "https://platform.example/conversations",
    "BURNRATE_LINK_CAMPAIGNS": "/campaigns",
}
#: A budget no test reaches (a test that wants a small one serves its own process).
UNLIMITED = {
    "BURNRATE_RATE_LIMIT_POINTS": str(10**9),
    "BURNRATE_RATE_LIMIT_RESTORE_PER_SECOND": str(10**9),
}
LOAD_SECONDS = 180


@dataclass
class DemoSite:
    base: str
    key: str  # a usage:read key of the demo workspace
    workspace: str  # its global id
    database_url: str
    folder: Path

    @property
    def link(self) -> str:
        """The link `burnrate demo` prints: the key in the fragment."""
        return f"{self.base}/#key={self.key}"

    def api(self, base: str | None = None) -> Api:
        return Api(httpx.AsyncClient(base_url=base or self.base, timeout=30), self.key)

    @property
    def printed(self) -> str:
        """What `burnrate demo` has printed (stdout and stderr)."""
        return (self.folder / "demo.log").read_text()

    async def sql(self, statement: str, values: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a query (written with `?`) on the demo's database, read with the plain
        driver: the suite's own Tortoise connection is to the test database."""
        if ON_POSTGRES:
            conn = await asyncpg.connect(_asyncpg_url(self.database_url))
            try:
                counter = itertools.count(1)
                numbered = re.sub(r"\?", lambda _: f"${next(counter)}", statement)
                return [dict(r) for r in await conn.fetch(numbered, *values)]
            finally:
                await conn.close()
        path = self.database_url.removeprefix("sqlite://")
        with sqlite3.connect(path) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(statement, list(values))]

    async def ask(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        api = self.api()
        async with api.http:
            return await api.ok(query, variables)

    @asynccontextmanager
    async def serve(self, **settings: str) -> AsyncIterator[str]:
        """Another `burnrate serve` on the demo's database, with these environment settings
        (`BURNRATE_…`); yields its base URL."""
        port = free_port()
        process = _start(
            ["serve", "--port", str(port)], self.database_url, settings, self.folder / f"{port}.log"
        )
        try:
            await asyncio.to_thread(wait_ready, f"http://127.0.0.1:{port}", 60)
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop(process)


def _start(
    args: list[str], database_url: str, settings: dict[str, str], log: Path
) -> subprocess.Popen[str]:
    env = dict(os.environ, DATABASE_URL=database_url, BURNRATE_LOG_FORMAT="text", **settings)
    with log.open("w") as out:
        return subprocess.Popen(
            [BURNRATE, *args], env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def _printed(log: Path, process: subprocess.Popen[str]) -> dict[str, str]:
    """The demo's `Workspace:` and `API key:` lines, once it prints `Dashboard:`."""
    deadline = time.monotonic() + LOAD_SECONDS
    while True:
        text = log.read_text()
        if "Dashboard: " in text:
            found = dict(re.findall(r"^(Workspace|API key): (\S+)$", text, re.MULTILINE))
            return found
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"burnrate demo did not start:\n{text[-3000:]}")
        time.sleep(0.2)


@asynccontextmanager
async def _demo_database(folder: Path) -> AsyncIterator[str]:
    if not ON_POSTGRES:
        yield f"sqlite://{folder / 'demo.sqlite3'}"
        return
    url = _with_database(POSTGRES_SERVER, f"burnrate_demo_{uuid.uuid4().hex[:12]}")
    name = urlsplit(url).path.strip("/")
    admin = await asyncpg.connect(_asyncpg_url(POSTGRES_SERVER))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield url
    finally:
        admin = await asyncpg.connect(_asyncpg_url(POSTGRES_SERVER))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture(scope="session")
async def demo_site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DemoSite]:
    folder = tmp_path_factory.mktemp("demo")
    async with _demo_database(folder) as database_url:
        port = free_port()
        log = folder / "demo.log"
        process = _start(
            ["demo", "--port", str(port)], database_url, {**UNLIMITED, **DEMO_LINKS}, log
        )
        try:
            printed = await asyncio.to_thread(_printed, log, process)
            base = f"http://127.0.0.1:{port}"
            await asyncio.to_thread(wait_ready, base, 60)
            yield DemoSite(base, printed["API key"], printed["Workspace"], database_url, folder)
        finally:
            _stop(process)
