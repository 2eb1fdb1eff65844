"""Test harness: a real database (SQLite by default, PostgreSQL when asked), real migrations,
and the real ASGI app over HTTP.

`BURNRATE_TEST_DATABASE_URL=postgres://root@127.0.0.1:5432/postgres` runs the suite on
PostgreSQL: the URL names a server to connect to, and the suite creates a database of its own
there and drops it at the end.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from models import __models__
from models.rules.enums import Scope
from models.sql import connection
from server import db
from server.app import create_app
from server.auth import create_key
from server.settings import settings
from tests.api import Api

POSTGRES_SERVER = os.environ.get("BURNRATE_TEST_DATABASE_URL", "")
ON_POSTGRES = bool(POSTGRES_SERVER)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set BURNRATE_TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


def _with_database(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def _asyncpg_url(url: str) -> str:
    return "postgresql" + url[url.index(":") :]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not ON_POSTGRES:
        yield f"sqlite://{tmp_path_factory.mktemp('db') / 'burnrate.sqlite3'}"
        return
    yield _with_database(POSTGRES_SERVER, f"burnrate_test_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
async def database(database_url: str) -> AsyncIterator[str]:
    """A migrated database for the whole session, created and dropped by the suite."""
    name = urlsplit(database_url).path.strip("/")
    if ON_POSTGRES:
        admin = await asyncpg.connect(_asyncpg_url(POSTGRES_SERVER))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
    try:
        await db.migrate(database_url)
        await db.init(database_url)
        try:
            yield database_url
        finally:
            await db.close()
    finally:
        if ON_POSTGRES:
            admin = await asyncpg.connect(_asyncpg_url(POSTGRES_SERVER))
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()


TABLES = [model._meta.db_table for model in __models__]


async def empty_tables() -> None:
    conn = connection()
    if ON_POSTGRES:
        listed = ", ".join(f'"{t}"' for t in TABLES)
        await conn.execute_script(f"TRUNCATE {listed} RESTART IDENTITY CASCADE")
        return
    for table in reversed(TABLES):
        await conn.execute_script(f'DELETE FROM "{table}"')


@pytest.fixture
async def clean(database: str) -> AsyncIterator[None]:
    await empty_tables()
    yield


#: The served settings, with a budget no test reaches unless it asks for a small one
#: (tests/test_limits.py builds its own app for that).
TEST_SETTINGS = replace(settings, rate_limit_points=10**9, rate_limit_restore_per_second=10**9)


@pytest.fixture
async def http(clean: None) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(TEST_SETTINGS, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://burnrate.test") as client:
        yield client


Served = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def served(clean: None) -> Served:
    """A client of an app with some settings changed: `async with served(max_aliases=2) as c`."""

    @asynccontextmanager
    async def client(**changes: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(replace(TEST_SETTINGS, **changes), manage_database=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://burnrate.test") as c:
            yield c

    return client


@pytest.fixture
async def admin_key(clean: None) -> str:
    return (await create_key("test admin", frozenset({Scope.ADMIN}), None)).secret


@pytest.fixture
async def api(http: httpx.AsyncClient, admin_key: str) -> Api:
    """The API as an admin key sees it; `api.as_key(...)` for other keys."""
    return Api(http, admin_key)


@pytest.fixture
def tmp_sqlite(tmp_path: Path) -> str:
    return f"sqlite://{tmp_path / 'cli.sqlite3'}"


def pytest_report_header(config: pytest.Config) -> list[str]:
    where: Any = POSTGRES_SERVER or "SQLite (temporary file)"
    return [f"burnrate test database: {where}"]


class StatementLog(logging.Handler):
    """Every SQL statement Tortoise sends, as its `tortoise.db_client` logger reports them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.statements.append(record.getMessage())

    def clear(self) -> None:
        self.statements.clear()

    def __len__(self) -> int:
        return len(self.statements)


@pytest.fixture
def statements() -> Iterator[StatementLog]:
    log = StatementLog()
    logger = logging.getLogger("tortoise.db_client")
    level = logger.level
    logger.addHandler(log)
    logger.setLevel(logging.DEBUG)
    try:
        yield log
    finally:
        logger.removeHandler(log)
        logger.setLevel(level)


# Session fixtures kept in modules of their own (imported last: they use the helpers above).
from tests.browser import chromium  # noqa: E402, F401
from tests.demo_site import demo_site  # noqa: E402, F401
