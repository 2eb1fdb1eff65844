"""SEMANTICS.md's forecast written out day by day: the oracle the usage tests compare with."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import Any


def expected_forecast(
    used: Fraction, allotted: Fraction, start: date, end: date, today: date
) -> dict[str, Any] | None:
    """SEMANTICS.md's forecast, written out day by day."""
    if not start <= today <= end:
        return None
    rate = used / ((today - start).days + 1)
    projected = used + rate * (end - today).days
    depletes = None
    day = today
    while day <= end:
        if used + rate * (day - today).days >= allotted:
            depletes = day
            break
        if rate == 0:
            break
        day += timedelta(days=1)
    return {
        "dailyRate": _decimal(rate),
        "projectedUsed": _decimal(projected),
        "depletesOn": depletes.isoformat() if depletes else None,
    }


def _decimal(value: Fraction) -> str:
    text = f"{round(float(value), 4):.4f}".rstrip("0").rstrip(".")
    return text or "0"
