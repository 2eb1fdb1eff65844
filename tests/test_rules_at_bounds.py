"""The pure rules are total over everything the inputs allow: forecasts never build a date
past the period, figures of any size are written out exactly, and the calendar arithmetic
holds at 2000-01-01 and 2100-12-31 in the zones furthest from UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from models.rules.days import (
    billing_period,
    dates,
    day_start,
    days_bounds,
    local_date,
    reference_instant,
    resolve_range,
)
from models.rules.forms import EARLIEST_DATE, LATEST_DATE
from models.rules.health import forecast, to_decimal

F = Fraction
ZONES = ["Pacific/Kiritimati", "Etc/GMT+12", "UTC", "America/New_York", "Australia/Lord_Howe"]


@pytest.mark.parametrize(
    ("used", "allotted"),
    [
        (F(15), F(10_000_000)),  # the plan: the run-out lies past year 9999
        (F(1, 10_000), F(10**9)),
        (F(1, 10_000), F(10**30)),
        (F(0), F(10**9)),
    ],
)
@pytest.mark.parametrize("elapsed", [1, 15, 31])
def test_a_run_out_beyond_the_period_is_null(used: F, allotted: F, elapsed: int) -> None:
    start = date(2026, 11, 1)
    today = start + timedelta(days=elapsed - 1)
    coming = forecast(used, allotted, (start, date(2026, 12, 1)), today)
    assert coming is not None and coming.depletes_on is None


def test_a_run_out_on_the_period_s_last_day_is_found() -> None:
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    # 10 a day for 10 days; 300 allotted: runs out after 20 more days, on 2026-11-30.
    coming = forecast(F(100), F(300), (start, end), date(2026, 11, 10))
    assert coming is not None and coming.depletes_on == end
    coming = forecast(F(100), F(301), (start, end), date(2026, 11, 10))
    assert coming is not None and coming.depletes_on is None


@pytest.mark.parametrize("anchor", range(1, 32))
@pytest.mark.parametrize("day", [EARLIEST_DATE, LATEST_DATE])
def test_billing_periods_at_the_bounds(anchor: int, day: date) -> None:
    start, end = billing_period(day, anchor)
    assert start <= day <= end
    assert 28 <= (end - start).days + 1 <= 31
    coming = forecast(F(10**13), F(1), (start, end), day)
    assert coming is not None and coming.depletes_on == day


@pytest.mark.parametrize("tz", ZONES)
def test_day_arithmetic_at_the_bounds(tz: str) -> None:
    first, last = resolve_range(EARLIEST_DATE, date(2000, 12, 31), LATEST_DATE, 366)
    assert len(dates(first, last)) == 366
    for day in (EARLIEST_DATE - timedelta(days=1), EARLIEST_DATE, LATEST_DATE,
                LATEST_DATE + timedelta(days=31)):  # fmt: skip
        lower, upper = days_bounds(day, day, tz)
        assert lower < upper
        assert local_date(lower, tz) == day
        assert reference_instant(day, tz, datetime.now(UTC)) <= upper
    for instant in (datetime(2000, 1, 1, tzinfo=UTC),
                    datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)):  # fmt: skip
        assert abs(local_date(instant, tz) - instant.date()) <= timedelta(days=1)
        assert day_start(local_date(instant, tz), tz) <= instant


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (F(0), "0"),
        (F(1, 3), "0.3333"),
        (F(2, 3), "0.6667"),
        (F(-1, 3), "-0.3333"),
        (F(-1, 100_000), "0"),
        (F(1, 20_000), "0"),  # half an ulp: to even
        (F(3, 20_000), "0.0002"),
        (F(100), "100"),
        (F(12_500, 10_000), "1.25"),
        (F(2**64 - 2, 10_000), "1844674407370955.1614"),
        (F(10**40 + 1, 7), "1428571428571428571428571428571428571428.7143"),
    ],
)
def test_figures_of_any_size_are_written_out_exactly(value: F, text: str) -> None:
    assert format(to_decimal(value), "f") == text
    assert to_decimal(value) == Decimal(text)
