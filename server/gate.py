"""The front door of every HTTP endpoint: who is asking, decided from the headers alone.

An endpoint calls `authenticated(request)` before it reads the request's body, so a caller
without a valid key costs a header lookup: no body is read, decoded or parsed, and a missing
or malformed key needs no database either (only a well-formed key is looked up). The refusal
is HTTP 401 with `WWW-Authenticate: Bearer` (RFC 6750) and an `UNAUTHENTICATED` error.

`authenticated` takes any Starlette `HTTPConnection`, so a websocket upgrade is
authenticated the same way as a POST. `Refusal` is what an endpoint raises to answer early
with a status and one coded error; `refusal_for` turns an unexpected exception met before
execution (the database, a bug) into one, never showing its text.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import HTTPConnection

from resolvers.access import Principal
from schema.errors import report_database_failure
from server.auth import authenticate, bearer_token

log = logging.getLogger("burnrate.http")

UNAUTHENTICATED = "A valid API key is required: send 'Authorization: Bearer <key>'."
_REALM = 'Bearer realm="burnrate"'


class Refusal(Exception):
    """A request answered before it runs: an HTTP status and one coded GraphQL error."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str = "BAD_USER_INPUT",
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extensions = {"code": code, **extensions}

    def body(self) -> dict[str, Any]:
        return {"errors": [{"message": self.message, "extensions": self.extensions}]}


async def authenticated(connection: HTTPConnection) -> Principal:
    """The principal behind the connection's `Authorization` header; `Refusal` (401) when
    there is none, or it is not a valid key."""
    header = connection.headers.get("authorization")
    principal = await authenticate(header)
    if principal is not None:
        return principal
    challenge = _REALM if bearer_token(header) is None else f'{_REALM}, error="invalid_token"'
    raise Refusal(
        401, UNAUTHENTICATED, code="UNAUTHENTICATED", headers={"WWW-Authenticate": challenge}
    )


def refusal_for(error: Exception, request_id: str) -> Refusal:
    """The answer to an exception raised before execution: 503 (retryable) when the
    database is unreachable, else 500 with the request id; the exception is logged, never
    shown."""
    outage = report_database_failure(error, request_id)
    if outage is not None:
        return Refusal(
            503,
            outage.message,
            code=outage.code,
            headers={"Retry-After": "1"},
            **{k: v for k, v in outage.extensions.items() if k != "code"},
            requestId=request_id,
        )
    log.error("unexpected error (request %s)", request_id, exc_info=error)
    return Refusal(
        500,
        "Unexpected error; quote the requestId when reporting it.",
        code="INTERNAL_SERVER_ERROR",
        requestId=request_id,
    )
