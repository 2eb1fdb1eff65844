"""Request ids, JSON logs and Prometheus metrics.

Every HTTP request gets an id (the client's `X-Request-ID` when it is a sane token, else a
new one), echoed in the response's `X-Request-ID`, attached to every log line written while
it runs and to masked errors. Each request writes one access line, with the codes of the
errors it answered.

`/metrics` serves prometheus-client's exposition. `burnrate serve --workers N` gives the
workers a fresh PROMETHEUS_MULTIPROC_DIR (see `worker_metrics`): each worker writes its
samples there and a scrape, whichever worker answers it, adds up every worker's. A single
process (one worker, the tests' in-process app) uses prometheus-client's ordinary registry.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.sql import connection
from server import db
from server.masking import passwords, scrub
from server.settings import settings

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
#: The codes of the errors the current request answered, for its access line.
_codes_var: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "error_codes", default=None
)
access_log = logging.getLogger("burnrate.access")

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
#: Decided when prometheus-client is imported, as prometheus-client decides it.
MULTIPROCESS = bool(os.environ.get(MULTIPROCESS_DIR))

# Labels take values from closed sets only: anything else is `other`.
_PATHS = frozenset({"/graphql", "/healthz", "/readyz", "/metrics", "/"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_CODES = frozenset(
    {
        "BAD_USER_INPUT",
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "NOT_FOUND",
        "RATE_LIMITED",
        "SERVICE_UNAVAILABLE",
        "INTERNAL_SERVER_ERROR",
    }
)

REQUESTS = Counter(
    "burnrate_requests_total",
    "HTTP requests answered, by method, path and status.",
    ["method", "path", "status"],
)
DURATION = Histogram(
    "burnrate_request_duration_seconds", "Time to answer, by path.", ["path"], buckets=BUCKETS
)
ERRORS = Counter(
    "burnrate_graphql_errors_total", "GraphQL errors answered, by extensions.code.", ["code"]
)
IN_FLIGHT = Gauge(
    "burnrate_requests_in_flight", "Requests being answered now.", multiprocess_mode="livesum"
)
POOL = Gauge(
    "burnrate_db_pool_connections",
    "Database connections of the server's processes (as of each process' last request).",
    ["state"],
    multiprocess_mode="livesum",
)


def _known(value: str, known: frozenset[str]) -> str:
    return value if value in known else "other"


class Metrics:
    """The server's metrics; the samples live in prometheus-client's metric objects."""

    def observe(self, method: str, path: str, status: int, seconds: float) -> None:
        path = _known(path, _PATHS)
        REQUESTS.labels(_known(method, _METHODS), path, str(status)).inc()
        DURATION.labels(path).observe(seconds)

    def error(self, code: str) -> None:
        ERRORS.labels(_known(code, _CODES)).inc()
        codes = _codes_var.get()
        if codes is not None:
            codes.append(code)

    def render(self) -> bytes:
        _record_pool()
        if not MULTIPROCESS:
            return generate_latest(REGISTRY)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)


def pool_sizes() -> tuple[int, int]:
    """Open and idle connections of the database pool (SQLite: one connection)."""
    try:
        client = connection()
    except Exception:
        return 0, 0
    pool = getattr(client, "_pool", None)
    if pool is None:
        return (1, 1) if db.dialect() == "sqlite" else (0, 0)
    return int(pool.get_size()), int(pool.get_idle_size())


def _record_pool() -> None:
    size, idle = pool_sizes()
    POOL.labels("open").set(size)
    POOL.labels("idle").set(idle)


def _printable(text: str, limit: int = 200) -> str:
    """`text` on one line (control characters escaped), at most `limit` characters."""
    if text.isprintable() and len(text) <= limit:
        return text
    escaped = text.encode("unicode_escape").decode("ascii")
    return escaped if len(escaped) <= limit else escaped[: limit - 1] + "…"


class Observe:
    """ASGI middleware: request id, access log line, metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _SANE_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        codes: list[str] = []
        codes_token = _codes_var.set(codes)
        status = 500
        began = time.perf_counter()
        IN_FLIGHT.inc()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            IN_FLIGHT.dec()
            took = time.perf_counter() - began
            path = _known(scope["path"], _PATHS)
            self.metrics.observe(scope["method"], path, status, took)
            _record_pool()
            access_log.info(
                "%s %s %s%s",
                _printable(scope["method"], 20),
                _printable(scope["path"]),
                status,
                "".join(f" {_printable(code, 40)}" for code in codes),
                extra={"status": status, "duration_ms": round(took * 1000, 2), "path": path},
            )
            _codes_var.reset(codes_token)
            request_id_var.reset(token)


def metrics_endpoint(metrics: Metrics) -> Any:
    async def endpoint(_: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return endpoint


@contextmanager
def worker_metrics() -> Iterator[str]:
    """A fresh PROMETHEUS_MULTIPROC_DIR for the workers about to start, removed at exit."""
    directory = tempfile.mkdtemp(prefix="burnrate-metrics-")
    os.environ[MULTIPROCESS_DIR] = directory
    try:
        yield directory
    finally:
        os.environ.pop(MULTIPROCESS_DIR, None)
        shutil.rmtree(directory, ignore_errors=True)


def worker_gone(pid: int, directory: str) -> None:
    """A worker exited: its live gauges (requests in flight, pool) stop counting."""
    multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, process id, request id, and
    extras; the configured URLs' passwords never appear."""

    _STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {
        "message",
        "asctime",
        "color_message",
    }

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = list(secrets)

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage(), self.secrets),
            "pid": record.process,
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            out["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in self._STANDARD and key not in out:
                out[key] = (
                    value
                    if isinstance(value, (int, float, bool))
                    else scrub(str(value), self.secrets)
                )
        if record.exc_info:
            out["exception"] = scrub(self.formatException(record.exc_info), self.secrets)
        return json.dumps(out, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time level logger message` for humans; the configured URLs' passwords never appear."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")
        self.secrets = list(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record), self.secrets)


def configure_logging(fmt: str, level: int = logging.INFO) -> None:
    """Route Burnrate's and uvicorn's logs to stderr, as JSON lines or plain text."""
    secrets = passwords([settings.database_url, settings.redis_url])
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(secrets) if fmt == "json" else TextFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("tortoise").setLevel(logging.WARNING)
