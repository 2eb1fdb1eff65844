"""Input checks shared by the writes. Each failure names the field it is about.

The checks whose limits are settings take the limit as an argument; `Checks` binds them to
the `Settings` of the surface that asked (a request's, the demo's, a test's)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from models.rules.days import is_known_timezone
from models.rules.units import AmountError, to_minor
from resolvers.errors import BadUserInput
from server.settings import Settings

_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
#: What text may not hold (SEMANTICS.md "Bounds"): control characters other than tab, line
#: feed and carriage return (C0, DEL, C1), and surrogates, which in a decoded string are
#: always unpaired. PostgreSQL refuses NUL, and no encoder writes a lone surrogate.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: The most `messages` or `textQueries` one event may carry (SEMANTICS.md "Bounds").
MAX_EVENT_COUNT = 1_000_000
#: The most minor units a stored amount may hold (a 64-bit integer column).
MAX_MINOR = 2**63 - 1
#: The largest GraphQL `Int`.
GRAPHQL_INT_MAX = 2**31 - 1


class FieldProblem(ValueError):
    """One bad field; collected into a single BAD_USER_INPUT error."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def fail(problem: FieldProblem) -> BadUserInput:
    return BadUserInput(str(problem), field=problem.field)


def text(field: str, value: str, max_length: int, *, required: bool = True) -> str:
    limit = max_length
    if required and not value.strip():
        raise FieldProblem(field, "must not be empty")
    if len(value) > limit:
        raise FieldProblem(field, f"must be at most {limit} characters, got {len(value)}")
    bad = _NOT_TEXT.search(value)
    if bad is not None:
        raise FieldProblem(
            field,
            f"holds U+{ord(bad[0]):04X} at position {bad.start()}: text may not hold NUL, "
            "control characters other than tab, line feed and carriage return, "
            "or unpaired surrogates",
        )
    return value


def is_text(value: str, max_length: int) -> bool:
    """Whether `text` accepts the value (required or not)."""
    try:
        text("", value, max_length, required=False)
    except FieldProblem:
        return False
    return True


def plan_code(field: str, value: str) -> str:
    text(field, value, 64)
    if not _CODE.fullmatch(value):
        raise FieldProblem(field, "may hold letters, digits, '_', '.' and '-' only")
    return value


def timezone_name(field: str, value: str) -> str:
    text(field, value, 64)
    if not is_known_timezone(value):
        raise FieldProblem(field, f"{value!r} is not an IANA time zone (e.g. 'Europe/Berlin')")
    return value


def anchor_day(field: str, value: int) -> int:
    if not 1 <= value <= 31:
        raise FieldProblem(field, f"must be between 1 and 31, got {value}")
    return value


def phone_number(field: str, value: str) -> str:
    text(field, value, 32)
    if not _PHONE.fullmatch(value):
        raise FieldProblem(field, f"{value!r} is not an E.164 number such as '+14155550123'")
    return value


def amount(
    field: str, value: Decimal, max_amount: int, *, whole: bool = False, positive: bool = False
) -> int:
    """A non-negative decimal in minor units, at most `max_amount`; `whole` for counts,
    `positive` to refuse 0."""
    if value < 0:
        raise FieldProblem(field, f"must not be negative, got {value}")
    if positive and value == 0:
        raise FieldProblem(field, "must be greater than 0")
    if whole and value != value.to_integral_value():
        raise FieldProblem(field, f"must be a whole number, got {value}")
    if value > max_amount:
        raise FieldProblem(field, f"must be at most {max_amount}, got {value}")
    try:
        minor = to_minor(value)
    except AmountError as exc:
        raise FieldProblem(field, f"{exc}, got {value}") from None
    if minor > MAX_MINOR:
        raise FieldProblem(field, f"must be at most {Decimal(MAX_MINOR).scaleb(-4)}, got {value}")
    return minor


def count(field: str, value: int) -> int:
    """One event's messages or text queries."""
    if value < 0:
        raise FieldProblem(field, f"must not be negative, got {value}")
    if value > MAX_EVENT_COUNT:
        raise FieldProblem(field, f"must be at most {MAX_EVENT_COUNT:,}, got {value}")
    return value


def not_future(field: str, value: datetime, now: datetime, skew_seconds: float) -> datetime:
    if value > now + timedelta(seconds=skew_seconds):
        raise FieldProblem(field, f"{value.isoformat()} lies in the future")
    return value


def interval(start_field: str, start: datetime, end_field: str, end: datetime | None) -> None:
    if end is not None and end < start:
        raise FieldProblem(end_field, f"must not be before {start_field}")


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_of(value: datetime) -> datetime:
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Checks:
    """The checks whose limits are settings, bound to one `Settings`."""

    settings: Settings

    def text(self, field: str, value: str, *, required: bool = True) -> str:
        return text(field, value, self.settings.max_string_length, required=required)

    def optional_text(self, field: str, value: str | None) -> str | None:
        return None if value is None else self.text(field, value, required=False)

    def amount(
        self, field: str, value: Decimal, *, whole: bool = False, positive: bool = False
    ) -> int:
        return amount(field, value, self.settings.max_event_amount, whole=whole, positive=positive)

    def not_future(self, field: str, value: datetime, now: datetime) -> datetime:
        return not_future(field, value, now, self.settings.max_future_skew_seconds)
