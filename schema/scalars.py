"""The contract's scalars, strict: DateTime needs a UTC offset, Decimal must be finite."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import strawberry
from strawberry.types.scalar import ScalarDefinition


def _parse_datetime(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO 8601 string with a UTC offset")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(
            f"{value!r} has no UTC offset: send e.g. '2026-11-22T09:30:00+00:00' or '...Z'"
        )
    return parsed.astimezone(dt.UTC)


def _serialize_datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _parse_date(value: Any) -> dt.date:
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError(f"{value!r} is not a date: send YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date: send YYYY-MM-DD") from None


def _parse_decimal(value: Any) -> decimal.Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError('Decimal must be sent as a string such as "12.5"')
    try:
        parsed = decimal.Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not parsed.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return parsed


def _serialize_decimal(value: decimal.Decimal) -> str:
    return format(value, "f")


DateTime = ScalarDefinition(
    name="DateTime",
    description='An instant, ISO 8601 with a UTC offset: "2026-11-22T09:30:00+00:00".',
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
    parse_literal=None,
    specified_by_url=None,
)
Date = ScalarDefinition(
    name="Date",
    description='A calendar date, ISO 8601: "2026-11-22".',
    serialize=lambda value: value.isoformat(),
    parse_value=_parse_date,
    parse_literal=None,
    specified_by_url=None,
)
Decimal = ScalarDefinition(
    name="Decimal",
    description='An exact decimal number, sent as a JSON string such as "12.5".',
    serialize=_serialize_decimal,
    parse_value=_parse_decimal,
    parse_literal=None,
    specified_by_url=None,
)

SCALAR_OVERRIDES: dict[object, Any] = {
    dt.datetime: DateTime,
    dt.date: Date,
    decimal.Decimal: Decimal,
}

ID = strawberry.ID
