"""Settings read once from the environment, each with a sane default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace


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
    #: Longest GraphQL document, in characters (checked before it is parsed).
    max_document_length: int = 32_000
    #: Most tokens a document may have, comments included (the Usage page has 171,
    #: GraphiQL's introspection 183, an 18-event batch written inline ~950: larger inputs
    #: go in variables).
    max_tokens: int = 1_000
    #: Most operations in one document (each costs validation ~0.1 ms on its own).
    max_operations: int = 20
    #: Most field selections and fragment spreads in a document, a fragment's counted each
    #: time it is spread (the Usage page has 75).
    max_selections: int = 1_000
    #: Most comparisons of same-named fields that checking they merge may need, as bounded
    #: by server/shape.py (1.5-4.5 µs each; the Usage page needs none, 1,000
    #: `viewer { name }` ~2,000,000).
    max_field_comparisons: int = 2_000
    #: Largest request body in bytes (a 1,000-event batch is ~350 kB).
    max_body_bytes: int = 4_000_000
    #: Most JSON values in a body, counted as `,` `:` `[` `{` before it is decoded (a
    #: 1,000-event batch has ~37,000).
    max_json_values: int = 60_000
    #: Bytes the cache of prepared documents may hold (estimated from their tokens).
    document_cache_bytes: int = 16_000_000
    #: Most points one request may cost (see docs/operations.md).
    max_query_cost: int = 2_000
    #: Each API key's budget in points, and how many points come back per second.
    rate_limit_points: int = 5_000
    rate_limit_restore_per_second: float = 100.0
    #: `redis://HOST:PORT/DB`: keep the budgets there, shared by every process; empty keeps
    #: them in each process.
    redis_url: str = ""
    #: Prefix of the budget keys in Redis (several deployments may share one Redis).
    redis_prefix: str = "burnrate:"
    #: Longest wait for Redis before a request is charged to the process' own bucket.
    redis_timeout_seconds: float = 0.25
    #: After Redis failed, requests use the process' bucket this long before trying again.
    redis_retry_seconds: float = 5.0
    #: Seconds `serve` waits for in-flight requests after SIGTERM/SIGINT.
    shutdown_grace_seconds: int = 30
    #: `json` (one object a line) or `text` logs.
    log_format: str = "json"
    #: The Usage page's links to the platform's other pages; empty hides the link.
    link_billing: str = ""
    link_credits_explained: str = ""
    link_conversations: str = ""
    link_campaigns: str = ""


#: Every setting is `BURNRATE_<FIELD NAME>` in the environment, except these.
ENV_NAMES = {"database_url": "DATABASE_URL"}


def env_name(setting: str) -> str:
    return ENV_NAMES.get(setting, f"BURNRATE_{setting.upper()}")


def _parse(name: str, raw: str, default: object) -> object:
    """A setting's text as the type of its default; a bad value stops the process with one
    line naming the setting."""
    if isinstance(default, bool):
        return raw.strip().lower() not in ("0", "false", "no", "off")
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if isinstance(default, (int, float)):
        kind, what = (int, "a whole number") if isinstance(default, int) else (float, "a number")
        try:
            return kind(raw)
        except ValueError:
            raise SystemExit(f"burnrate: setting {name} must be {what}, got {raw!r}") from None
    return raw


def load_settings() -> Settings:
    defaults = Settings()
    values: dict[str, object] = {}
    for setting in fields(Settings):
        name = env_name(setting.name)
        raw = os.environ.get(name)
        if raw is not None and raw != "":
            values[setting.name] = _parse(name, raw, getattr(defaults, setting.name))
    return replace(defaults, **values)  # type: ignore[arg-type]


settings = load_settings()
