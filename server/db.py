"""Database configuration and lifecycle (Tortoise ORM)."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

from models.sql import CONNECTION, connection
from server.masking import mask_url
from server.settings import Settings, settings


class DatabaseUrlError(ValueError):
    """DATABASE_URL is not a URL Burnrate can use."""


def normalize_url(url: str) -> str:
    """Accept `sqlite://PATH`, `postgres://…` and `postgresql://…`; refuse the rest. Messages
    show the URL without its password."""
    shown = f"DATABASE_URL {mask_url(url)!r}"
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        raise DatabaseUrlError(
            f"{shown} is not a valid URL: use sqlite://PATH or postgres://USER@HOST:PORT/DB"
        ) from None
    if parts.scheme == "sqlite":
        _check_sqlite_path(url, shown)
        return url
    if parts.scheme in ("postgres", "postgresql", "asyncpg"):
        if not parts.hostname or not parts.path.strip("/"):
            raise DatabaseUrlError(
                f"{shown} needs a host and a database: postgres://USER@HOST:PORT/DB"
            )
        return "postgres" + url[len(parts.scheme) :]
    raise DatabaseUrlError(
        f"{shown} is not supported: use sqlite://PATH or postgres://USER@HOST/DB"
    )


def _check_sqlite_path(url: str, shown: str) -> None:
    # aiosqlite never reports a file it cannot open (the call hangs), so check first.
    path = url[len("sqlite://") :].split("?", 1)[0]
    if not path:
        raise DatabaseUrlError(f"{shown} names no file: use sqlite://PATH")
    if path == ":memory:":
        return
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise DatabaseUrlError(f"{shown}: folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise DatabaseUrlError(f"{shown}: folder {folder!r} is not writable")


def is_postgres_url(url: str) -> bool:
    return urlsplit(url).scheme != "sqlite"


#: How much longer than the statement timeout the client waits for any answer at all.
CLIENT_DEADLINE_MARGIN_SECONDS = 1.0


def tortoise_config(
    database_url: str | None = None, served: Settings | None = None
) -> dict[str, Any]:
    """Tortoise's configuration. For a served app (`served`), PostgreSQL connections give up
    after the connect timeout, so a database outage answers SERVICE_UNAVAILABLE within
    seconds instead of hanging, and statements after the statement timeout.

    The statement timeout is PostgreSQL's own `statement_timeout` (set for each connection
    when it opens): the server cancels the statement (SQLSTATE 57014, a lock wait included),
    rolls back its transaction and keeps the connection usable, and the answer says the
    database was too slow. The client's `command_timeout`, a little longer, only catches a
    database that does not answer at all (a network that drops packets): an outage."""
    url = normalize_url(database_url or settings.database_url)
    connection: str | dict[str, Any] = url
    if is_postgres_url(url):
        sep = "&" if "?" in url else "?"
        if "maxsize=" not in url:
            url = f"{url}{sep}minsize={settings.db_pool_min}&maxsize={settings.db_pool_max}"
        connection = url
        if served is not None:
            expanded = expand_db_url(url)
            credentials = expanded["credentials"]
            statement_ms = max(1, round(served.db_statement_timeout_seconds * 1000))
            credentials["timeout"] = served.db_connect_timeout_seconds
            credentials["server_settings"] = {
                **credentials.get("server_settings", {}),
                "statement_timeout": str(statement_ms),
            }
            credentials["command_timeout"] = (
                served.db_statement_timeout_seconds + CLIENT_DEADLINE_MARGIN_SECONDS
            )
            connection = expanded
    return {
        "connections": {CONNECTION: connection},
        "apps": {
            "models": {
                "models": ["models"],
                "default_connection": CONNECTION,
                "migrations": "migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def __getattr__(name: str) -> Any:
    """`TORTOISE_ORM`, for `tortoise -c server.db.TORTOISE_ORM makemigrations`.

    Computed on access, so that importing this module never fails on a bad DATABASE_URL.
    """
    if name == "TORTOISE_ORM":
        return tortoise_config()
    raise AttributeError(name)


def dialect() -> str:
    """`sqlite` or `postgres`: the SQL that differs between them picks by this."""
    return connection().capabilities.dialect


async def init(database_url: str | None = None, served: Settings | None = None) -> None:
    """Open the connections for this process. The context is also made the global fallback:
    a server's requests run in other tasks than the lifespan that opened it."""
    await Tortoise.init(config=tortoise_config(database_url, served), _enable_global_fallback=True)


async def close() -> None:
    await Tortoise.close_connections()


async def migrate(database_url: str | None = None, reporter: Any = None) -> None:
    """Apply the versioned migrations; applied ones are skipped, so it is safe to repeat.
    `reporter` is called with the plan first (see server/migration_report.py)."""
    from tortoise.migrations.api import migrate as run_migrations

    try:
        await run_migrations(config=tortoise_config(database_url), reporter=reporter)
    finally:
        # aiosqlite's worker thread keeps the process alive until its connection closes.
        await Tortoise.close_connections()
