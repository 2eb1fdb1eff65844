"""Input checks shared by the mutations. Each failure names the field it is about."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from models.units import AmountError, to_minor
from resolvers.days import is_known_timezone
from resolvers.errors import BadUserInput
from server.settings import settings

_PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class FieldProblem(ValueError):
    """One bad field; collected into a single BAD_USER_INPUT error."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def fail(problem: FieldProblem) -> BadUserInput:
    return BadUserInput(str(problem), field=problem.field)


def text(field: str, value: str, *, required: bool = True, max_length: int | None = None) -> str:
    limit = max_length or settings.max_string_length
    if required and not value.strip():
        raise FieldProblem(field, "must not be empty")
    if len(value) > limit:
        raise FieldProblem(field, f"must be at most {limit} characters, got {len(value)}")
    return value


def optional_text(field: str, value: str | None) -> str | None:
    return None if value is None else text(field, value, required=False)


def plan_code(field: str, value: str) -> str:
    text(field, value, max_length=64)
    if not _CODE.match(value):
        raise FieldProblem(field, "may hold letters, digits, '_', '.' and '-' only")
    return value


def timezone_name(field: str, value: str) -> str:
    if not is_known_timezone(value):
        raise FieldProblem(field, f"{value!r} is not an IANA time zone (e.g. 'Europe/Berlin')")
    return value


def anchor_day(field: str, value: int) -> int:
    if not 1 <= value <= 31:
        raise FieldProblem(field, f"must be between 1 and 31, got {value}")
    return value


def phone_number(field: str, value: str) -> str:
    if not _PHONE.match(value):
        raise FieldProblem(field, f"{value!r} is not an E.164 number such as '+14155550123'")
    return value


def amount(field: str, value: Decimal, *, whole: bool = False, positive: bool = False) -> int:
    """A non-negative decimal in minor units; `whole` for counts, `positive` to refuse 0."""
    if value < 0:
        raise FieldProblem(field, f"must not be negative, got {value}")
    if positive and value == 0:
        raise FieldProblem(field, "must be greater than 0")
    if whole and value != value.to_integral_value():
        raise FieldProblem(field, f"must be a whole number, got {value}")
    if value > settings.max_event_amount:
        raise FieldProblem(field, f"must be at most {settings.max_event_amount}, got {value}")
    try:
        return to_minor(value)
    except AmountError as exc:
        raise FieldProblem(field, f"{exc}, got {value}") from None


def count(field: str, value: int) -> int:
    if value < 0:
        raise FieldProblem(field, f"must not be negative, got {value}")
    return value


def not_future(field: str, value: datetime, now: datetime) -> datetime:
    if value > now + timedelta(seconds=settings.max_future_skew_seconds):
        raise FieldProblem(field, f"{value.isoformat()} lies in the future")
    return value


def interval(start_field: str, start: datetime, end_field: str, end: datetime | None) -> None:
    if end is not None and end < start:
        raise FieldProblem(end_field, f"must not be before {start_field}")


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_of(value: datetime) -> datetime:
    return value.astimezone(UTC)
