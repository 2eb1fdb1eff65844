"""Calendar days in a workspace's time zone. Pure functions: no ORM, no GraphQL."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import available_timezones

from models.rules.tz import local_date, zone

__all__ = [
    "billing_period",
    "dates",
    "day_start",
    "days_bounds",
    "is_known_timezone",
    "local_date",
    "reference_instant",
    "resolve_range",
    "zone",
]


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_known_timezone(name: str) -> bool:
    return name in _known_zones()


def day_start(day: date, tz: str) -> datetime:
    """Local midnight at the start of `day`, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=zone(tz)).astimezone(UTC)


def days_bounds(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """[start, end) in UTC covering the local dates first..last inclusive."""
    return day_start(first, tz), day_start(last + timedelta(days=1), tz)


DEFAULT_RANGE_DAYS = 30


class RangeError(ValueError):
    """A range that is reversed or longer than allowed."""


def resolve_range(
    start: date | None, end: date | None, today: date, max_days: int
) -> tuple[date, date]:
    """The inclusive range asked for; omitted, the 30 days ending today."""
    if start is None or end is None:
        return today - timedelta(days=DEFAULT_RANGE_DAYS - 1), today
    if start > end:
        raise RangeError(f"range.start {start} is after range.end {end}")
    days = (end - start).days + 1
    if days > max_days:
        raise RangeError(f"range covers {days} days; at most {max_days} are allowed")
    return start, end


def today_in(tz: str, now: datetime) -> date:
    return local_date(now, tz)


def _anchor_in(year: int, month: int, anchor: int) -> date:
    """The anchor day in a month, clamped to the month's last day (31 → 28 Feb, 30 Apr)."""
    return date(year, month, min(anchor, calendar.monthrange(year, month)[1]))


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _month_after(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def billing_period(day: date, anchor: int) -> tuple[date, date]:
    """The billing period containing `day`: from the (clamped) anchor day of a month to the
    day before the next month's (clamped) anchor day, both inclusive."""
    start = _anchor_in(day.year, day.month, anchor)
    if start > day:
        start = _anchor_in(*_month_before(day.year, day.month), anchor)
    following = _anchor_in(*_month_after(start.year, start.month), anchor)
    return start, following - timedelta(days=1)


def reference_instant(last_day: date, tz: str, now: datetime) -> datetime:
    """The earlier of now and the end of `last_day` (the next local midnight), in UTC."""
    return min(now.astimezone(UTC), day_start(last_day + timedelta(days=1), tz))


def dates(first: date, last: date) -> list[date]:
    """Every date from first to last inclusive."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
