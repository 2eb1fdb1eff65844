"""The contract's scalars. Inputs are parsed in their one accepted form and within the
bounds (models/rules/forms.py); counts that may pass 32 bits are BigInt."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any, NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from models.rules.forms import parse_date, parse_datetime, parse_decimal


def _serialize_datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _serialize_decimal(value: decimal.Decimal) -> str:
    return format(value, "f")


DateTime = ScalarDefinition(
    name="DateTime",
    description='An instant, ISO 8601 with a UTC offset: "2026-11-22T09:30:00+00:00".',
    serialize=_serialize_datetime,
    parse_value=parse_datetime,
    parse_literal=None,
    specified_by_url=None,
)
Date = ScalarDefinition(
    name="Date",
    description='A calendar date, ISO 8601: "2026-11-22".',
    serialize=lambda value: value.isoformat(),
    parse_value=parse_date,
    parse_literal=None,
    specified_by_url=None,
)
Decimal = ScalarDefinition(
    name="Decimal",
    description='An exact decimal number, sent as a JSON string such as "12.5".',
    serialize=_serialize_decimal,
    parse_value=parse_decimal,
    parse_literal=None,
    specified_by_url=None,
)


def _serialize_bigint(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"BigInt cannot represent {value!r}")
    return value


def _parse_bigint(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("BigInt is a JSON integer")
    return value


BigInt = NewType("BigInt", int)

BigIntDefinition = ScalarDefinition(
    name="BigInt",
    description="An integer that may exceed 32 bits; a JSON number (exact up to 2^53).",
    serialize=_serialize_bigint,
    parse_value=_parse_bigint,
    parse_literal=None,
    specified_by_url=None,
)

SCALAR_OVERRIDES: dict[object, Any] = {
    dt.datetime: DateTime,
    dt.date: Date,
    decimal.Decimal: Decimal,
    BigInt: BigIntDefinition,
}

ID = strawberry.ID
