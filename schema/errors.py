"""Every error leaves with an `extensions.code`; unexpected ones are masked and logged."""

from __future__ import annotations

import logging

from graphql.error import GraphQLError
from strawberry.extensions import MaskErrors

from resolvers.errors import BurnrateError, database_unreachable

log = logging.getLogger("burnrate.errors")


def is_outage(error: BaseException | None) -> bool:
    """The database could not be reached (connection refused, dropped, timed out)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, (ConnectionError, TimeoutError)) or type(error).__name__ in (
            "DBConnectionError",
            "ConnectionDoesNotExistError",
            "InterfaceError",
            "CannotConnectNowError",
            "TooManyConnectionsError",
        ):
            return True
        error = error.__cause__ or error.__context__
    return False


class CodedErrors(MaskErrors):
    """Keeps deliberate errors, codes request errors, masks everything else.

    - a `BurnrateError` raised by a resolver keeps its message and code;
    - an error with no path (syntax, validation, variable coercion) is the client's:
      BAD_USER_INPUT with graphql-core's message, which names the offending input;
    - a lost database connection is SERVICE_UNAVAILABLE (retryable);
    - anything else is INTERNAL_SERVER_ERROR with a request id, logged with its traceback.
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
        if is_outage(error.original_error):
            outage = database_unreachable()
            return GraphQLError(
                outage.message,
                nodes=error.nodes,
                path=error.path,
                extensions={**outage.extensions, "requestId": request_id},
            )
        log.error(
            "unexpected error (request %s) at %s",
            request_id,
            ".".join(str(p) for p in error.path or []),
            exc_info=error.original_error or error,
            extra={"request_id": request_id},
        )
        return GraphQLError(
            "Unexpected error; quote the requestId when reporting it.",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )
