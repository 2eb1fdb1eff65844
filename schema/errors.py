"""Every error leaves with an `extensions.code`; unexpected ones are masked; each is logged
once, by what it is:

- an expected error (a `BurnrateError` a resolver raised, or a request error: syntax,
  validation, variables) is one INFO line with its code, path and message;
- a database failure is one WARNING line and is counted in /metrics by kind: `unreachable`
  (refused, dropped, no answer at all) or `timeout` (a statement ran past the statement
  timeout and PostgreSQL cancelled it: the database answers, too slowly);
- anything else is masked as INTERNAL_SERVER_ERROR and logged at ERROR with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Literal

from graphql.error import GraphQLError
from prometheus_client import Counter
from strawberry.extensions import MaskErrors

from resolvers.errors import (
    BurnrateError,
    ServiceUnavailable,
    database_too_slow,
    database_unreachable,
)

log = logging.getLogger("burnrate.errors")

DatabaseFailure = Literal["unreachable", "timeout"]
DATABASE_ERRORS = Counter(
    "burnrate_database_errors_total",
    "Requests answered SERVICE_UNAVAILABLE because of the database, by kind: unreachable "
    "(refused, dropped, no answer) or timeout (a statement ran past the statement timeout).",
    ["kind"],
)
_ANSWERS: dict[DatabaseFailure, Callable[[], ServiceUnavailable]] = {
    "unreachable": database_unreachable,
    "timeout": database_too_slow,
}
_LOGGED: dict[DatabaseFailure, str] = {
    "unreachable": "database unreachable",
    "timeout": "database too slow: a statement ran past the statement timeout",
}
for _kind in _ANSWERS:
    DATABASE_ERRORS.labels(_kind)  # both series exist from the start, at 0

#: PostgreSQL's query_canceled: raised when `statement_timeout` cancels a statement.
_QUERY_CANCELED = "57014"
_CONNECTION_ERRORS = frozenset(
    {
        "DBConnectionError",
        "ConnectionDoesNotExistError",
        "InterfaceError",
        "CannotConnectNowError",
        "TooManyConnectionsError",
        "AdminShutdownError",
        "CrashShutdownError",
    }
)


def database_failure(error: BaseException | None) -> DatabaseFailure | None:
    """What went wrong with the database, from an exception and its causes: `timeout` when
    PostgreSQL cancelled a statement that ran past the statement timeout, `unreachable`
    when it could not be reached or did not answer at all (the client's own deadline, set
    above the server's, also covers a network that drops packets), else None."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if getattr(error, "sqlstate", None) == _QUERY_CANCELED:
            return "timeout"
        if isinstance(error, (ConnectionError, TimeoutError)) or (
            type(error).__name__ in _CONNECTION_ERRORS
        ):
            return "unreachable"
        error = error.__cause__ or error.__context__
    return None


def is_outage(error: BaseException | None) -> bool:
    """The database could not be reached (refused, dropped, no answer)."""
    return database_failure(error) == "unreachable"


def report_database_failure(
    error: BaseException | None, request_id: str | None
) -> ServiceUnavailable | None:
    """The answer to a database failure (None when `error` is none), logged in one WARNING
    line and counted by kind. Called once per failed request."""
    kind = database_failure(error)
    if kind is None:
        return None
    DATABASE_ERRORS.labels(kind).inc()
    log.warning(
        "%s (request %s): %s",
        _LOGGED[kind],
        request_id,
        type(error).__name__,
        extra={"request_id": request_id},
    )
    return _ANSWERS[kind]()


def log_errors(errors: Iterable[GraphQLError], request_id: str | None) -> None:
    """Log each error of a GraphQL result once, before it is masked (see the module)."""
    for error in errors:
        original = error.original_error
        where = ".".join(str(p) for p in error.path or []) or "-"
        if isinstance(original, BurnrateError):
            log.info("%s at %s: %s", original.code, where, _one_line(original.message))
        elif error.path is None:
            log.info("BAD_USER_INPUT: %s", _one_line(error.message))
        elif report_database_failure(original, request_id) is None:
            log.error(
                "unexpected error (request %s) at %s",
                request_id,
                where,
                exc_info=original or error,
                extra={"request_id": request_id},
            )


def _one_line(text: str, limit: int = 500) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


class CodedErrors(MaskErrors):
    """Keeps deliberate errors, codes request errors, masks everything else.

    - a `BurnrateError` raised by a resolver keeps its message and code;
    - an error with no path (syntax, validation, variable coercion) is the client's:
      BAD_USER_INPUT with graphql-core's message, which names the offending input;
    - a database failure is SERVICE_UNAVAILABLE (retryable), saying which;
    - anything else is INTERNAL_SERVER_ERROR with a request id.
    Logging is `log_errors`' (the schema calls it with the errors before they are masked).
    """

    def __init__(self) -> None:
        super().__init__(should_mask_error=self._should_mask)

    @staticmethod
    def _should_mask(error: GraphQLError) -> bool:
        if isinstance(error.original_error, BurnrateError):
            return False
        if error.path is None:
            error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}
            return False
        return True

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", None)
        kind = database_failure(error.original_error)
        if kind is not None:
            answer = _ANSWERS[kind]()
            return GraphQLError(
                answer.message,
                nodes=error.nodes,
                path=error.path,
                extensions={**answer.extensions, "requestId": request_id},
            )
        return GraphQLError(
            "Unexpected error; quote the requestId when reporting it.",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )
