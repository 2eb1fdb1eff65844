"""Database configuration and lifecycle (Tortoise ORM)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient

from server.settings import settings

CONNECTION = "default"


class DatabaseUrlError(ValueError):
    """DATABASE_URL is not a URL Burnrate can use."""


def normalize_url(url: str) -> str:
    """Accept `sqlite://PATH`, `postgres://…` and `postgresql://…`; refuse the rest."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return url
    if scheme in ("postgres", "postgresql", "asyncpg"):
        parts = urlsplit(url)
        if not parts.hostname or not parts.path.strip("/"):
            raise DatabaseUrlError(
                f"DATABASE_URL {url!r} needs a host and a database: postgres://USER@HOST:PORT/DB"
            )
        return "postgres" + url[len(scheme) :]
    raise DatabaseUrlError(
        f"DATABASE_URL {url!r} is not supported: use sqlite://PATH or postgres://USER@HOST/DB"
    )


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme != "sqlite"


def tortoise_config(database_url: str | None = None) -> dict[str, Any]:
    url = normalize_url(database_url or settings.database_url)
    if is_postgres(url):
        sep = "&" if "?" in url else "?"
        if "maxsize=" not in url:
            url = f"{url}{sep}minsize={settings.db_pool_min}&maxsize={settings.db_pool_max}"
    return {
        "connections": {CONNECTION: url},
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


#: For the `tortoise` command (makemigrations): `tortoise -c server.db.TORTOISE_ORM …`.
TORTOISE_ORM = tortoise_config()


def connection() -> BaseDBAsyncClient:
    return connections.get(CONNECTION)


def dialect() -> str:
    """`sqlite` or `postgres`: the SQL that differs between them picks by this."""
    return connection().capabilities.dialect


async def init(database_url: str | None = None) -> None:
    await Tortoise.init(config=tortoise_config(database_url))


async def close() -> None:
    await Tortoise.close_connections()


async def migrate(database_url: str | None = None) -> None:
    """Apply the versioned migrations; applied ones are skipped, so it is safe to repeat."""
    from tortoise.migrations.api import migrate as run_migrations

    await run_migrations(config=tortoise_config(database_url))
