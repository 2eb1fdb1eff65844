"""The one written form of each scalar input, and the bounds every date and instant lies in.

Pure functions, no GraphQL: the scalars (schema/scalars.py) and the activity list's cursors
parse with them. Each refuses with a `FormError` whose message shows the accepted form;
graphql-core puts the input's path and value in front of it.

- DateTime: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of 1 to 6 digits, then `Z` or
  `±HH:MM`; between 2000-01-01T00:00:00Z and 2100-12-31T23:59:59.999999Z.
- Date: `YYYY-MM-DD`, from 2000-01-01 to 2100-12-31.
- Decimal: a string `-?digits[.digits]` (no exponent, sign `+`, spaces or `_`; no leading
  zeros), or a JSON integer. A JSON number with a fraction is refused: it was rounded to
  binary floating point before the server saw it.

Digits are ASCII only. Everything Python's `fromisoformat` and `Decimal()` accept beyond
this (week dates, basic format, `1_000`, `" 1.5 "`) is refused, so each value has one
spelling in requests, logs and idempotency comparisons.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: The first instant after the bounds.
AFTER_LATEST = datetime(2101, 1, 1, tzinfo=UTC)

DATETIME_FORM = (
    'ISO 8601 as YYYY-MM-DDTHH:MM:SS[.ffffff] then Z or ±HH:MM, e.g. "2026-11-22T09:30:00Z"'
)
DATE_FORM = 'ISO 8601 as YYYY-MM-DD, e.g. "2026-11-22"'
DECIMAL_FORM = 'a string of digits with an optional "-" and ".", e.g. "12.5" or "-3"'

_DIGITS = "[0-9]"
_DATE = rf"({_DIGITS}{{4}})-{_DIGITS}{{2}}-{_DIGITS}{{2}}"
_TIME = rf"T{_DIGITS}{{2}}:{_DIGITS}{{2}}:{_DIGITS}{{2}}(?:\.{_DIGITS}{{1,6}})?"
_OFFSET = rf"(?:Z|[+-]{_DIGITS}{{2}}:{_DIGITS}{{2}})"
_DATETIME_RE = re.compile(_DATE + _TIME + _OFFSET)
_LOCAL_DATETIME_RE = re.compile(_DATE + _TIME)
_DATE_RE = re.compile(_DATE)
_DECIMAL_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
#: Longest decimal text: far beyond any amount the server stores (they are refused later
#: with their limit), short enough that parsing one costs nothing.
MAX_DECIMAL_LENGTH = 40


class FormError(ValueError):
    """A scalar input that is not in its one accepted form, or out of bounds."""


def parse_datetime(value: Any) -> datetime:
    """An instant in UTC from its one accepted form (module docstring)."""
    if not isinstance(value, str):
        raise FormError(f"DateTime is a string: {DATETIME_FORM}")
    match = _DATETIME_RE.fullmatch(value)
    if match is None:
        if _LOCAL_DATETIME_RE.fullmatch(value):
            raise FormError(f"DateTime has no UTC offset: {DATETIME_FORM}")
        raise FormError(f"DateTime is written {DATETIME_FORM}")
    _check_year(int(match[1]), "DateTime")  # before any arithmetic that could overflow
    try:
        instant = datetime.fromisoformat(value).astimezone(UTC)
    except (ValueError, OverflowError):
        raise FormError(f"DateTime is not a valid date and time: {DATETIME_FORM}") from None
    if not EARLIEST <= instant < AFTER_LATEST:
        raise _out_of_bounds("DateTime")
    return instant


def parse_date(value: Any) -> date:
    """A calendar date from its one accepted form (module docstring)."""
    if not isinstance(value, str):
        raise FormError(f"Date is a string: {DATE_FORM}")
    match = _DATE_RE.fullmatch(value)
    if match is None:
        raise FormError(f"Date is written {DATE_FORM}")
    _check_year(int(match[1]), "Date")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise FormError(f"Date is not a valid calendar date: {DATE_FORM}") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise _out_of_bounds("Date")
    return day


def parse_decimal(value: Any) -> Decimal:
    """An exact decimal from its one accepted form (module docstring)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if len(str(abs(value))) > MAX_DECIMAL_LENGTH:
            raise FormError(f"Decimal has at most {MAX_DECIMAL_LENGTH} digits")
        return Decimal(value)
    if isinstance(value, float):
        raise FormError(
            f"Decimal with a fraction is sent as a string ({DECIMAL_FORM}): a JSON number "
            "has been rounded to binary floating point before the server sees it"
        )
    if not isinstance(value, str):
        raise FormError(f"Decimal is {DECIMAL_FORM}")
    if len(value) > MAX_DECIMAL_LENGTH:
        raise FormError(f"Decimal has at most {MAX_DECIMAL_LENGTH} characters")
    if not _DECIMAL_RE.fullmatch(value):
        raise FormError(f"Decimal must be a finite number written as {DECIMAL_FORM}")
    return Decimal(value)


def _check_year(year: int, what: str) -> None:
    if not EARLIEST_DATE.year - 1 <= year <= LATEST_DATE.year + 1:
        raise _out_of_bounds(what)


def _out_of_bounds(what: str) -> FormError:
    if what == "Date":
        return FormError(f"Date must lie from {EARLIEST_DATE} to {LATEST_DATE}")
    return FormError(
        f"DateTime must lie from {EARLIEST_DATE}T00:00:00Z to {LATEST_DATE}T23:59:59.999999Z"
    )
