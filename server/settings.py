"""Settings read once from the environment, each with a sane default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"burnrate: setting {name} must be a whole number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite://burnrate.sqlite3"
    #: Most events one `recordUsage` call may carry.
    max_events_per_batch: int = 1000
    #: Longest `range` a usage query may ask for, in days.
    max_range_days: int = 366
    #: Longest accepted external id, idempotency key, name or phone number.
    max_string_length: int = 200
    #: How far in the future an event's `occurredAt` may lie (clock skew).
    max_future_skew_seconds: int = 300
    #: Largest credits or voice minutes a single event may carry.
    max_event_amount: int = 1_000_000_000
    #: Connection pool bounds for PostgreSQL.
    db_pool_min: int = 1
    db_pool_max: int = 10
    graphiql: bool = True
    cors_origins: tuple[str, ...] = field(default_factory=tuple)


def load_settings() -> Settings:
    env = os.environ
    origins = tuple(o.strip() for o in env.get("BURNRATE_CORS_ORIGINS", "").split(",") if o.strip())
    return Settings(
        database_url=env.get("DATABASE_URL") or Settings.database_url,
        max_events_per_batch=_int("BURNRATE_MAX_EVENTS_PER_BATCH", Settings.max_events_per_batch),
        max_range_days=_int("BURNRATE_MAX_RANGE_DAYS", Settings.max_range_days),
        max_string_length=_int("BURNRATE_MAX_STRING_LENGTH", Settings.max_string_length),
        max_future_skew_seconds=_int(
            "BURNRATE_MAX_FUTURE_SKEW_SECONDS", Settings.max_future_skew_seconds
        ),
        max_event_amount=_int("BURNRATE_MAX_EVENT_AMOUNT", Settings.max_event_amount),
        db_pool_min=_int("BURNRATE_DB_POOL_MIN", Settings.db_pool_min),
        db_pool_max=_int("BURNRATE_DB_POOL_MAX", Settings.db_pool_max),
        graphiql=env.get("BURNRATE_GRAPHIQL", "1").lower() not in ("0", "false", "no", "off"),
        cors_origins=origins,
    )


settings = load_settings()
