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
    #: Largest `first` of a connection, and largest `limit` of the top-assistants list.
    max_page_size: int = 100
    max_top_assistants: int = 50
    #: Longest accepted external id, idempotency key, name or phone number.
    max_string_length: int = 200
    #: How far in the future an event's `occurredAt` may lie (clock skew).
    max_future_skew_seconds: int = 300
    #: Largest credits or voice minutes a single event may carry.
    max_event_amount: int = 1_000_000_000
    #: Connection pool bounds for PostgreSQL.
    db_pool_min: int = 1
    db_pool_max: int = 10
    #: Seconds to wait for a new database connection before answering SERVICE_UNAVAILABLE.
    db_connect_timeout_seconds: int = 3
    #: Longest a served request's single SQL statement may run (PostgreSQL).
    db_statement_timeout_seconds: float = 10.0
    graphiql: bool = True
    introspection: bool = True
    cors_origins: tuple[str, ...] = field(default_factory=tuple)
    #: Deepest selection nesting a document may have.
    max_query_depth: int = 12
    #: Most aliases a document may use.
    max_aliases: int = 30
    #: Most tokens a document may have (a 1,000-event batch written inline has ~45,000).
    max_tokens: int = 60_000
    #: Largest request body in bytes (a 1,000-event batch is ~350 kB).
    max_body_bytes: int = 4_000_000
    #: Most points one request may cost (see docs/operations.md).
    max_query_cost: int = 2_000
    #: Each API key's budget in points, and how many points come back per second.
    rate_limit_points: int = 5_000
    rate_limit_restore_per_second: float = 100.0
    #: Seconds `serve` waits for in-flight requests after SIGTERM/SIGINT.
    shutdown_grace_seconds: int = 30
    #: `json` (one object a line) or `text` logs.
    log_format: str = "json"


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"burnrate: setting {name} must be a number, got {raw!r}") from None


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.lower() not in ("0", "false", "no", "off")


def load_settings() -> Settings:
    env = os.environ
    origins = tuple(o.strip() for o in env.get("BURNRATE_CORS_ORIGINS", "").split(",") if o.strip())
    return Settings(
        database_url=env.get("DATABASE_URL") or Settings.database_url,
        max_events_per_batch=_int("BURNRATE_MAX_EVENTS_PER_BATCH", Settings.max_events_per_batch),
        max_range_days=_int("BURNRATE_MAX_RANGE_DAYS", Settings.max_range_days),
        max_page_size=_int("BURNRATE_MAX_PAGE_SIZE", Settings.max_page_size),
        max_top_assistants=_int("BURNRATE_MAX_TOP_ASSISTANTS", Settings.max_top_assistants),
        max_string_length=_int("BURNRATE_MAX_STRING_LENGTH", Settings.max_string_length),
        max_future_skew_seconds=_int(
            "BURNRATE_MAX_FUTURE_SKEW_SECONDS", Settings.max_future_skew_seconds
        ),
        max_event_amount=_int("BURNRATE_MAX_EVENT_AMOUNT", Settings.max_event_amount),
        db_pool_min=_int("BURNRATE_DB_POOL_MIN", Settings.db_pool_min),
        db_pool_max=_int("BURNRATE_DB_POOL_MAX", Settings.db_pool_max),
        db_connect_timeout_seconds=_int(
            "BURNRATE_DB_CONNECT_TIMEOUT_SECONDS", Settings.db_connect_timeout_seconds
        ),
        db_statement_timeout_seconds=_float(
            "BURNRATE_DB_STATEMENT_TIMEOUT_SECONDS", Settings.db_statement_timeout_seconds
        ),
        graphiql=_flag("BURNRATE_GRAPHIQL", Settings.graphiql),
        introspection=_flag("BURNRATE_INTROSPECTION", Settings.introspection),
        cors_origins=origins,
        max_query_depth=_int("BURNRATE_MAX_QUERY_DEPTH", Settings.max_query_depth),
        max_aliases=_int("BURNRATE_MAX_ALIASES", Settings.max_aliases),
        max_tokens=_int("BURNRATE_MAX_TOKENS", Settings.max_tokens),
        max_body_bytes=_int("BURNRATE_MAX_BODY_BYTES", Settings.max_body_bytes),
        max_query_cost=_int("BURNRATE_MAX_QUERY_COST", Settings.max_query_cost),
        rate_limit_points=_int("BURNRATE_RATE_LIMIT_POINTS", Settings.rate_limit_points),
        rate_limit_restore_per_second=_float(
            "BURNRATE_RATE_LIMIT_RESTORE_PER_SECOND", Settings.rate_limit_restore_per_second
        ),
        shutdown_grace_seconds=_int(
            "BURNRATE_SHUTDOWN_GRACE_SECONDS", Settings.shutdown_grace_seconds
        ),
        log_format=env.get("BURNRATE_LOG_FORMAT") or Settings.log_format,
    )


settings = load_settings()
