"""Expected errors: each carries the contract's `extensions.code`."""

from __future__ import annotations

from typing import Any, ClassVar


class BurnrateError(Exception):
    """An error the client should see as is, with a code from the contract."""

    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extensions: dict[str, Any] = {"code": self.code, **extensions}


class BadUserInput(BurnrateError):
    code = "BAD_USER_INPUT"


class Unauthenticated(BurnrateError):
    code = "UNAUTHENTICATED"


class Forbidden(BurnrateError):
    code = "FORBIDDEN"


class NotFound(BurnrateError):
    code = "NOT_FOUND"


class ServiceUnavailable(BurnrateError):
    code = "SERVICE_UNAVAILABLE"


def not_found(what: str = "object") -> NotFound:
    """The one answer for ids that do not exist and ids the caller may not see."""
    return NotFound(f"No {what} with this id exists.")


def database_unreachable() -> ServiceUnavailable:
    """The one answer while the database cannot be reached: retryable."""
    return ServiceUnavailable("The database is unreachable; retry shortly.", retryable=True)


def database_too_slow() -> ServiceUnavailable:
    """The answer when a statement ran past the statement timeout: the database is up but
    busy, and a retry may well succeed."""
    return ServiceUnavailable(
        "The database was too slow to answer (a statement ran past the statement timeout); "
        "retry shortly.",
        retryable=True,
    )
