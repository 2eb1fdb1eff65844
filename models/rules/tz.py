"""Local dates in a workspace's time zone (the rollup is keyed by them)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(instant: datetime, tz: str) -> date:
    """The calendar date on which an aware instant falls in the zone."""
    return instant.astimezone(zone(tz)).date()
