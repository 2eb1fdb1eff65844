"""The one accepted form of each scalar input and the bounds (models/rules/forms.py): tables of
accepted and refused spellings. Through the API in tests/test_canonical_forms.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from models.rules.forms import FormError, parse_date, parse_datetime, parse_decimal


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-11-22T09:30:00Z", datetime(2026, 11, 22, 9, 30, tzinfo=UTC)),
        ("2026-11-22T09:30:00+00:00", datetime(2026, 11, 22, 9, 30, tzinfo=UTC)),
        ("2026-11-22T09:30:00-00:00", datetime(2026, 11, 22, 9, 30, tzinfo=UTC)),
        ("2026-11-22T09:30:00+05:30", datetime(2026, 11, 22, 4, 0, tzinfo=UTC)),
        ("2026-11-22T09:30:00.5-01:00", datetime(2026, 11, 22, 10, 30, 0, 500000, tzinfo=UTC)),
        ("2026-11-22T09:30:00.123456Z", datetime(2026, 11, 22, 9, 30, 0, 123456, tzinfo=UTC)),
        ("2000-01-01T00:00:00Z", datetime(2000, 1, 1, tzinfo=UTC)),
        ("2000-01-01T05:00:00+05:00", datetime(2000, 1, 1, tzinfo=UTC)),
        ("2100-12-31T23:59:59.999999Z", datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2100-12-31T22:59:59-01:00", datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_accepted_instants(text: str, instant: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == instant and parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("2026-W47-7T10:00:00Z", "YYYY-MM-DDTHH:MM:SS"),
        ("20261122T100000Z", "YYYY-MM-DDTHH:MM:SS"),
        ("2026-11-22 10:00:00Z", "YYYY-MM-DDTHH:MM:SS"),
        ("2026-11-22T10:00Z", "YYYY-MM-DDTHH:MM:SS"),
        ("2026-11-22t10:00:00z", "YYYY-MM-DDTHH:MM:SS"),
        ("2026-11-22T10:00:00.1234567Z", "YYYY-MM-DDTHH:MM:SS"),
        ("2026-11-22T10:00:00.Z", "YYYY-MM-DDTHH:MM:SS"),
        ("2026-11-22T10:00:00+0000", "YYYY-MM-DDTHH:MM:SS"),
        ("2026-11-22T10:00:00+00", "YYYY-MM-DDTHH:MM:SS"),
        ("2026-11-22T10:00:00+00:00:00", "YYYY-MM-DDTHH:MM:SS"),
        ("２０２６-11-22T10:00:00Z", "YYYY-MM-DDTHH:MM:SS"),
        ("٢٠٢٦-11-22T10:00:00Z", "YYYY-MM-DDTHH:MM:SS"),
        ("2026-11-22T10:00:00Z\n", "YYYY-MM-DDTHH:MM:SS"),
        (" 2026-11-22T10:00:00Z", "YYYY-MM-DDTHH:MM:SS"),
        ("+2026-11-22T10:00:00Z", "YYYY-MM-DDTHH:MM:SS"),
        ("", "YYYY-MM-DDTHH:MM:SS"),
        ("2026-11-22T10:00:00", "no UTC offset"),
        ("2026-11-22T10:00:00.5", "no UTC offset"),
        ("2026-02-30T10:00:00Z", "not a valid"),
        ("2026-11-22T24:00:00Z", "not a valid"),
        ("2026-11-22T10:60:00Z", "not a valid"),
        ("2026-11-22T10:00:60Z", "not a valid"),
        ("2026-11-22T10:00:00+24:00", "not a valid"),
        ("1999-12-31T23:59:59.999999Z", "2000-01-01T00:00:00Z to 2100-12-31T23:59:59.999999Z"),
        ("2000-01-01T04:59:59+05:00", "2000-01-01T00:00:00Z to"),
        ("2101-01-01T00:00:00Z", "2000-01-01T00:00:00Z to"),
        ("2100-12-31T23:00:00-01:00", "2000-01-01T00:00:00Z to"),
        ("0001-01-01T00:00:00+05:00", "2000-01-01T00:00:00Z to"),
        ("0000-01-01T00:00:00Z", "2000-01-01T00:00:00Z to"),
        ("9999-12-31T23:59:59-05:00", "2000-01-01T00:00:00Z to"),
        (1764000000, "is a string"),
        (None, "is a string"),
    ],
)
def test_refused_instants_show_the_accepted_form(value: Any, needle: str) -> None:
    with pytest.raises(FormError) as refused:
        parse_datetime(value)
    assert needle in str(refused.value)


def test_every_instant_the_server_writes_is_accepted() -> None:
    """The API writes instants with `isoformat()` in UTC: they read back unchanged."""
    for instant in (
        datetime(2000, 1, 1, tzinfo=UTC),
        datetime(2026, 11, 22, 9, 30, 0, 1, tzinfo=UTC),
        datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=14))),
    ):
        written = instant.astimezone(UTC).isoformat()
        assert parse_datetime(written) == instant


@pytest.mark.parametrize("text", ["2000-01-01", "2100-12-31", "2024-02-29", "2026-11-22"])
def test_accepted_dates(text: str) -> None:
    assert parse_date(text) == date.fromisoformat(text)


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("2026-W47-7", "YYYY-MM-DD"),
        ("2026-W47", "YYYY-MM-DD"),
        ("20261122", "YYYY-MM-DD"),
        ("2026-11-22 ", "YYYY-MM-DD"),
        ("2026-11-22\n", "YYYY-MM-DD"),
        ("2026-1-22", "YYYY-MM-DD"),
        ("2026-11-22T00:00:00Z", "YYYY-MM-DD"),
        ("２０２６-11-22", "YYYY-MM-DD"),
        ("2026-02-30", "not a valid"),
        ("2026-13-01", "not a valid"),
        ("2023-02-29", "not a valid"),
        ("1999-12-31", "from 2000-01-01 to 2100-12-31"),
        ("2101-01-01", "from 2000-01-01 to 2100-12-31"),
        ("0001-01-01", "from 2000-01-01 to 2100-12-31"),
        ("9999-12-31", "from 2000-01-01 to 2100-12-31"),
        (20261122, "is a string"),
    ],
)
def test_refused_dates_show_the_accepted_form(value: Any, needle: str) -> None:
    with pytest.raises(FormError) as refused:
        parse_date(value)
    assert needle in str(refused.value)


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("0", Decimal(0)),
        ("12.5", Decimal("12.5")),
        ("-3", Decimal(-3)),
        ("0.0001", Decimal("0.0001")),
        ("1.50", Decimal("1.50")),
        ("-0", Decimal(0)),
        ("1000000000", Decimal(1_000_000_000)),
        (3, Decimal(3)),
        (0, Decimal(0)),
        (10**39, Decimal(10**39)),
    ],
)
def test_accepted_decimals(value: Any, number: Decimal) -> None:
    assert parse_decimal(value) == number


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("1_000", "digits"),
        (" 1.5 ", "digits"),
        ("1.5\n", "digits"),
        ("1e3", "digits"),
        ("1E3", "digits"),
        ("+1", "digits"),
        (".5", "digits"),
        ("5.", "digits"),
        ("007", "digits"),
        ("0x10", "digits"),
        ("١٢", "digits"),
        ("１２", "digits"),
        ("NaN", "finite"),
        ("Infinity", "finite"),
        ("-inf", "finite"),
        ("", "digits"),
        ("-", "digits"),
        ("1,5", "digits"),
        ("1" * 41, "at most 40"),
        (10**40, "at most 40"),
        (1.5, "sent as a string"),
        (2.0, "sent as a string"),
        (True, '"12.5"'),
        (None, '"12.5"'),
        ([1], '"12.5"'),
    ],
)
def test_refused_decimals_show_the_accepted_form(value: Any, needle: str) -> None:
    with pytest.raises(FormError) as refused:
        parse_decimal(value)
    assert needle in str(refused.value)
