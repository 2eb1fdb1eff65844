"""Days, ranges, billing periods and reference instants: pure functions, table-driven."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.rules.days import (
    RangeError,
    billing_period,
    dates,
    day_start,
    days_bounds,
    local_date,
    reference_instant,
    resolve_range,
)


def hours(day: date, tz: str) -> float:
    lower, upper = days_bounds(day, day, tz)
    return (upper - lower).total_seconds() / 3600


def zone_hours(day: date, tz: str) -> float:
    """The day's length straight from zoneinfo, independent of the code under test."""
    zone = ZoneInfo(tz)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600


@pytest.mark.parametrize(
    ("tz", "day", "length"),
    [
        ("America/New_York", date(2026, 3, 8), 23),
        ("America/New_York", date(2026, 11, 1), 25),
        ("America/New_York", date(2026, 11, 2), 24),
        ("Australia/Lord_Howe", date(2026, 10, 4), 23.5),
        ("Australia/Lord_Howe", date(2026, 4, 5), 24.5),
        ("Asia/Kolkata", date(2026, 3, 8), 24),
        ("UTC", date(2028, 2, 29), 24),
    ],
    ids=lambda v: str(v),
)
def test_day_lengths(tz: str, day: date, length: float) -> None:
    assert zone_hours(day, tz) == length  # the table itself is right
    assert hours(day, tz) == length


@pytest.mark.parametrize(
    ("instant", "tz", "day"),
    [
        ("2026-11-02T04:59:59+00:00", "America/New_York", "2026-11-01"),  # 23:59:59 EST
        ("2026-11-02T05:00:00+00:00", "America/New_York", "2026-11-02"),  # midnight EST
        ("2026-11-01T03:59:59+00:00", "America/New_York", "2026-10-31"),  # 23:59:59 EDT
        ("2026-11-01T04:00:00+00:00", "America/New_York", "2026-11-01"),  # midnight EDT
        ("2026-11-01T06:30:00+00:00", "America/New_York", "2026-11-01"),  # 01:30 EST, repeated
        ("2026-05-31T18:29:59+00:00", "Asia/Kolkata", "2026-05-31"),
        ("2026-05-31T18:30:00+00:00", "Asia/Kolkata", "2026-06-01"),
        ("2026-10-03T13:29:59+00:00", "Australia/Lord_Howe", "2026-10-03"),  # +10:30
        ("2026-10-03T13:30:00+00:00", "Australia/Lord_Howe", "2026-10-04"),
        ("2026-12-31T23:59:59+00:00", "UTC", "2026-12-31"),
    ],
)
def test_an_instant_belongs_to_its_local_date(instant: str, tz: str, day: str) -> None:
    assert local_date(datetime.fromisoformat(instant), tz).isoformat() == day


@pytest.mark.parametrize(
    ("day", "tz", "midnight"),
    [
        (date(2026, 11, 1), "America/New_York", "2026-11-01T04:00:00+00:00"),
        (date(2026, 11, 2), "America/New_York", "2026-11-02T05:00:00+00:00"),
        (date(2026, 6, 1), "Asia/Kolkata", "2026-05-31T18:30:00+00:00"),
        (date(2026, 10, 4), "Australia/Lord_Howe", "2026-10-03T13:30:00+00:00"),
        (date(2026, 10, 5), "Australia/Lord_Howe", "2026-10-04T13:00:00+00:00"),
    ],
)
def test_day_start_is_local_midnight_in_utc(day: date, tz: str, midnight: str) -> None:
    start = day_start(day, tz)
    assert start.tzinfo is not None and start.utcoffset() == timedelta(0)
    assert start.isoformat() == midnight


TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, None, (date(2026, 10, 24), TODAY)),  # the default: 30 days ending today
        (date(2026, 11, 5), date(2026, 11, 5), (date(2026, 11, 5), date(2026, 11, 5))),
        (date(2026, 12, 20), date(2027, 1, 10), (date(2026, 12, 20), date(2027, 1, 10))),
        (date(2025, 1, 1), date(2026, 1, 1), (date(2025, 1, 1), date(2026, 1, 1))),  # 366 days
        (date(2027, 1, 1), date(2027, 1, 31), (date(2027, 1, 1), date(2027, 1, 31))),  # future
    ],
    ids=["default", "one-day", "year-end", "366-days", "future"],
)
def test_resolve_range(start: date | None, end: date | None, expected: tuple[date, date]) -> None:
    first, last = resolve_range(start, end, TODAY, 366)
    assert (first, last) == expected
    if start is None:
        assert len(dates(first, last)) == 30


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 11, 5), date(2026, 11, 4), "after"),
        (date(2025, 1, 1), date(2026, 1, 2), "367 days"),
    ],
    ids=["reversed", "overlong"],
)
def test_bad_ranges(start: date, end: date, message: str) -> None:
    with pytest.raises(RangeError, match=message):
        resolve_range(start, end, TODAY, 366)


def test_dates_across_a_year_end() -> None:
    days = dates(date(2026, 12, 20), date(2027, 1, 10))
    assert len(days) == 22
    assert days[11:13] == [date(2026, 12, 31), date(2027, 1, 1)]


@pytest.mark.parametrize(
    ("day", "anchor", "start", "end"),
    [
        (date(2026, 11, 22), 1, date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 1, 15), 15, date(2026, 1, 15), date(2026, 2, 14)),
        (date(2026, 1, 14), 15, date(2025, 12, 15), date(2026, 1, 14)),
        (date(2026, 2, 27), 31, date(2026, 1, 31), date(2026, 2, 27)),
        (date(2026, 2, 28), 31, date(2026, 2, 28), date(2026, 3, 30)),  # clamped to 28 Feb
        (date(2028, 2, 29), 31, date(2028, 2, 29), date(2028, 3, 30)),  # leap year
        (date(2026, 4, 30), 31, date(2026, 4, 30), date(2026, 5, 30)),  # 30 Apr
        (date(2026, 4, 29), 31, date(2026, 3, 31), date(2026, 4, 29)),
        (date(2026, 3, 31), 31, date(2026, 3, 31), date(2026, 4, 29)),
        (date(2026, 2, 28), 30, date(2026, 2, 28), date(2026, 3, 29)),
        (date(2026, 3, 29), 30, date(2026, 2, 28), date(2026, 3, 29)),
        (date(2028, 2, 29), 29, date(2028, 2, 29), date(2028, 3, 28)),
        (date(2028, 2, 29), 30, date(2028, 2, 29), date(2028, 3, 29)),
        (date(2027, 1, 5), 10, date(2026, 12, 10), date(2027, 1, 9)),  # across a year end
        (date(2026, 12, 31), 1, date(2026, 12, 1), date(2026, 12, 31)),
    ],
    ids=lambda v: str(v),
)
def test_billing_period(day: date, anchor: int, start: date, end: date) -> None:
    assert billing_period(day, anchor) == (start, end)


def test_billing_periods_tile_the_calendar() -> None:
    """For every day of 2026-2028 and every anchor: the period holds the day, starts on the
    clamped anchor, and the next period starts the day after it ends."""
    day = date(2026, 1, 1)
    while day <= date(2028, 12, 31):
        for anchor in range(1, 32):
            start, end = billing_period(day, anchor)
            assert start <= day <= end
            assert start.day == min(anchor, calendar.monthrange(start.year, start.month)[1])
            assert billing_period(end + timedelta(days=1), anchor)[0] == end + timedelta(days=1)
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("last", "now", "expected"),
    [
        # A past range: the end of its last day (the next local midnight).
        (date(2026, 11, 1), "2026-11-22T12:00:00+00:00", "2026-11-02T05:00:00+00:00"),
        (date(2026, 10, 31), "2026-11-22T12:00:00+00:00", "2026-11-01T04:00:00+00:00"),
        # A range ending today or later: now.
        (date(2026, 11, 22), "2026-11-22T12:00:00+00:00", "2026-11-22T12:00:00+00:00"),
        (date(2026, 12, 31), "2026-11-22T12:00:00+00:00", "2026-11-22T12:00:00+00:00"),
    ],
)
def test_reference_instant(last: date, now: str, expected: str) -> None:
    instant = reference_instant(last, "America/New_York", datetime.fromisoformat(now))
    assert instant.isoformat() == expected
