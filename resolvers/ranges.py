"""The one range resolver: the local dates a request asks for, in its workspace's zone."""

from __future__ import annotations

from datetime import date, datetime

from models.rules.days import RangeError, resolve_range, today_in
from resolvers.errors import BadUserInput


def requested_days(
    tz: str, start: date | None, end: date | None, now: datetime, max_days: int
) -> tuple[date, date]:
    """The inclusive range asked for (omitted: the 30 days ending today, locally);
    BAD_USER_INPUT naming `range` when it is reversed or too long."""
    try:
        return resolve_range(start, end, today_in(tz, now), max_days)
    except RangeError as exc:
        raise BadUserInput(f"{exc}.", field="range") from None
