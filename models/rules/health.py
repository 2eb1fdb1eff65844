"""Plan health: bands, forecasts, in-use counts and concurrency. Pure functions over plain
values (no ORM, no GraphQL), so each rule of SEMANTICS.md "Plan-health tiles" is testable
on its own."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from models.rules.enums import CreditType

WARNING_AT = Fraction(80, 100)
CRITICAL_AT = Fraction(95, 100)
_PLACES = 4
_SCALE = 10**_PLACES

LABELS: dict[CreditType, tuple[str, str]] = {
    CreditType.CREDITS: ("Credits", "credits"),
    CreditType.TEXT_QUERIES: ("Text queries", "queries"),
    CreditType.VOICE_MINUTES: ("Voice minutes", "minutes"),
    CreditType.CONCURRENT_CALLS: ("Concurrent calls", "calls"),
    CreditType.PHONE_NUMBERS: ("Phone numbers", "numbers"),
    CreditType.HUMAN_AGENT_SEATS: ("Human-agent seats", "seats"),
    CreditType.CHATBOTS: ("Chatbots", "chatbots"),
    CreditType.TEAM_MEMBERS: ("Team members", "members"),
}


class TileStatus(StrEnum):
    OK = "OK"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"
    #: More used than allotted.
    EXCEEDED = "EXCEEDED"


def to_decimal(value: Fraction) -> Decimal:
    """A figure for the client: at most 4 decimal places, half-even, no trailing zeros.
    Written out from integers, so no figure is too large for a decimal context."""
    ten_thousandths = round(value * _SCALE)  # a Fraction rounds half to even
    whole, part = divmod(abs(ten_thousandths), _SCALE)
    sign = "-" if ten_thousandths < 0 else ""
    fraction = f".{part:0{_PLACES}d}".rstrip("0") if part else ""
    return Decimal(f"{sign}{whole}{fraction}")


def ratio(used: Fraction, allotted: Fraction) -> Fraction | None:
    """used / allotted; None when nothing is allotted."""
    return None if allotted == 0 else used / allotted


def status(used: Fraction, allotted: Fraction) -> TileStatus:
    """Over the allotment is EXCEEDED (also anything used of a zero allotment); else red
    from 95 %, yellow from 80 %."""
    if used > allotted:
        return TileStatus.EXCEEDED
    share = ratio(used, allotted)
    if share is None:
        return TileStatus.OK
    if share >= CRITICAL_AT:
        return TileStatus.CRITICAL
    if share >= WARNING_AT:
        return TileStatus.WARNING
    return TileStatus.OK


def remaining(used: Fraction, allotted: Fraction) -> Fraction:
    return max(allotted - used, Fraction(0))


@dataclass(frozen=True)
class Forecast:
    daily_rate: Fraction
    projected_used: Fraction
    depletes_on: date | None


def forecast(
    used: Fraction, allotted: Fraction, period: tuple[date, date], today: date
) -> Forecast | None:
    """The linear forecast of a metered tile; None unless the period contains today."""
    start, end = period
    if not start <= today <= end:
        return None
    elapsed = (today - start).days + 1
    rate = used / elapsed
    projected = used + rate * (end - today).days
    return Forecast(rate, projected, _depletes_on(used, allotted, rate, today, end))


def _depletes_on(
    used: Fraction, allotted: Fraction, rate: Fraction, today: date, end: date
) -> date | None:
    """The first d in [today, end] with used + rate × (d − today) ≥ allotted. A day past
    the period is never built: it may lie beyond the last date Python can hold."""
    if used >= allotted:
        return today
    if rate == 0:
        return None
    days = math.ceil((allotted - used) / rate)
    return today + timedelta(days=days) if days <= (end - today).days else None


@dataclass(frozen=True)
class Interval:
    """When something is in use: from `start` until `end` (None: still in use)."""

    start: datetime
    end: datetime | None


def in_use_at(intervals: Iterable[Interval], instant: datetime) -> int:
    """How many are in use at `instant`: started before it and not ended before it."""
    return sum(1 for i in intervals if i.start < instant and (i.end is None or i.end >= instant))


@dataclass(frozen=True)
class Call:
    started_at: datetime
    #: endedAt, or lastActivityAt when no end was sent.
    ends_at: datetime


def peak_concurrency(calls: Iterable[Call], start: datetime, end: datetime) -> int:
    """The largest number of calls active at one instant t of [start, end). A call is active
    at t when started_at ≤ t < ends_at, or t = started_at (a call of no length counts at
    its start). The reference for the SQL sweep the tiles use."""
    points: list[tuple[datetime, int, int]] = []
    for call in calls:
        ends = max(call.ends_at, call.started_at)
        if call.started_at >= end or (ends <= start and not call.started_at == ends == start):
            continue
        begin = max(call.started_at, start)
        # At one instant: ends of calls with length first, then starts, then ends of calls
        # without length, which are active exactly at their start.
        points.append((begin, 1, +1))
        if ends < end:
            points.append((ends, 2 if ends == call.started_at else 0, -1))
    active = peak = 0
    for _, _, delta in sorted(points):
        active += delta
        peak = max(peak, active)
    return peak
