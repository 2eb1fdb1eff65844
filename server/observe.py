"""Request ids, JSON logs and Prometheus metrics.

Every HTTP request gets an id (the client's `X-Request-ID` when it is a sane token, else a
new one), echoed in the response's `X-Request-ID`, attached to every log line written while
it runs and to masked errors. `/metrics` serves this process's counters in Prometheus'
text format.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import re
import time
import uuid
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import db

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
access_log = logging.getLogger("burnrate.access")

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Metrics:
    requests: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latency_buckets: dict[str, list[int]] = field(default_factory=dict)
    latency_sum: dict[str, float] = field(default_factory=dict)
    latency_count: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0

    def observe(self, method: str, path: str, status: int, seconds: float) -> None:
        self.requests[(method, path, status)] += 1
        buckets = self.latency_buckets.setdefault(path, [0] * (len(BUCKETS) + 1))
        buckets[bisect_left(BUCKETS, seconds)] += 1
        self.latency_sum[path] = self.latency_sum.get(path, 0.0) + seconds
        self.latency_count[path] += 1

    def error(self, code: str) -> None:
        self.errors[code] += 1

    def render(self) -> str:
        out = _Exposition(pid=str(os.getpid()))
        out.family("burnrate_requests_total", "counter",
                   "HTTP requests answered, by method, path and status.")  # fmt: skip
        for (method, path, status), n in sorted(self.requests.items()):
            out.sample("burnrate_requests_total", n, method=method, path=path, status=status)
        out.family("burnrate_request_duration_seconds", "histogram", "Time to answer, by path.")
        for path, counts in sorted(self.latency_buckets.items()):
            running = 0
            for bound, n in zip((*BUCKETS, float("inf")), counts, strict=True):
                running += n
                le = "+Inf" if bound == float("inf") else repr(bound)
                out.sample("burnrate_request_duration_seconds_bucket", running, path=path, le=le)
            out.sample("burnrate_request_duration_seconds_sum", self.latency_sum[path], path=path)
            out.sample(
                "burnrate_request_duration_seconds_count", self.latency_count[path], path=path
            )
        out.family("burnrate_graphql_errors_total", "counter",
                   "GraphQL errors answered, by extensions.code.")  # fmt: skip
        for code, n in sorted(self.errors.items()):
            out.sample("burnrate_graphql_errors_total", n, code=code)
        out.family("burnrate_requests_in_flight", "gauge", "Requests being answered now.")
        out.sample("burnrate_requests_in_flight", self.in_flight)
        size, idle = pool_sizes()
        out.family("burnrate_db_pool_connections", "gauge",
                   "Open database connections of this process.")  # fmt: skip
        out.sample("burnrate_db_pool_connections", size, state="open")
        out.sample("burnrate_db_pool_connections", idle, state="idle")
        return "\n".join(out.lines) + "\n"


@dataclass
class _Exposition:
    """Prometheus' text format; every sample carries the process id."""

    pid: str
    lines: list[str] = field(default_factory=list)

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]

    def sample(self, name: str, value: float, **labels: object) -> None:
        pairs = ",".join(f'{k}="{v}"' for k, v in {"pid": self.pid, **labels}.items())
        number = f"{value:.6f}" if isinstance(value, float) else str(value)
        self.lines.append(f"{name}{{{pairs}}} {number}")


def pool_sizes() -> tuple[int, int]:
    """Open and idle connections of the database pool (SQLite: one connection)."""
    try:
        client = db.connection()
    except Exception:
        return 0, 0
    pool = getattr(client, "_pool", None)
    if pool is None:
        return (1, 1) if db.dialect() == "sqlite" else (0, 0)
    return int(pool.get_size()), int(pool.get_idle_size())


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
        status = 500
        began = time.perf_counter()
        self.metrics.in_flight += 1

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
            self.metrics.in_flight -= 1
            took = time.perf_counter() - began
            path = scope["path"] if scope["path"] in _KNOWN_PATHS else "other"
            self.metrics.observe(scope["method"], path, status, took)
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={"status": status, "duration_ms": round(took * 1000, 2), "path": path},
            )
            request_id_var.reset(token)


_KNOWN_PATHS = frozenset({"/graphql", "/healthz", "/readyz", "/metrics", "/"})


def metrics_endpoint(metrics: Metrics) -> Any:
    async def endpoint(_: Request) -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    return endpoint


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and extras."""

    _STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {
        "message",
        "asctime",
        "color_message",
    }

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            out["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in self._STANDARD and key not in out:
                out[key] = value if isinstance(value, (int, float, str, bool)) else str(value)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure_logging(fmt: str, level: int = logging.INFO) -> None:
    """Route Burnrate's and uvicorn's logs to stderr, as JSON lines or plain text."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("tortoise").setLevel(logging.WARNING)
