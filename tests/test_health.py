"""Bands, forecasts, in-use counts and concurrency: pure functions, table-driven."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.rules.health import (
    Call,
    Interval,
    TileStatus,
    forecast,
    in_use_at,
    peak_concurrency,
    ratio,
    remaining,
    status,
    to_decimal,
)

F = Fraction


@pytest.mark.parametrize(
    ("used", "allotted", "band"),
    [
        (F(0), F(100), TileStatus.OK),
        (F(7999, 100), F(100), TileStatus.OK),
        (F(80), F(100), TileStatus.WARNING),
        (F(9499, 100), F(100), TileStatus.WARNING),
        (F(95), F(100), TileStatus.CRITICAL),
        (F(100), F(100), TileStatus.CRITICAL),
        (F(1000001, 10_000), F(100), TileStatus.EXCEEDED),
        (F(322), F(100), TileStatus.EXCEEDED),
        (F(0), F(0), TileStatus.OK),
        (F(1, 10_000), F(0), TileStatus.EXCEEDED),
    ],
    ids=[
        "0%",
        "79.99%",
        "80%",
        "94.99%",
        "95%",
        "100%",
        "100.0001%",
        "322%",
        "nothing-of-nothing",
        "some-of-nothing",
    ],
)
def test_bands(used: Fraction, allotted: Fraction, band: TileStatus) -> None:
    assert status(used, allotted) is band


def test_ratio_and_remaining() -> None:
    assert ratio(F(1), F(4)) == F(1, 4)
    assert ratio(F(3), F(0)) is None
    assert remaining(F(3), F(10)) == 7
    assert remaining(F(12), F(10)) == 0


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (F(0), "0"),
        (F(1000), "1000"),
        (F(25, 2), "12.5"),
        (F(1, 3), "0.3333"),
        (F(2, 3), "0.6667"),
        (F(1, 20_000), "0"),  # half-even: 0.00005 → 0.0000
        (F(3, 20_000), "0.0002"),  # 0.00015 → 0.0002
        (F(123_456_789, 10_000), "12345.6789"),
    ],
)
def test_to_decimal(value: Fraction, text: str) -> None:
    assert format(to_decimal(value), "f") == text


PERIOD = (date(2026, 11, 1), date(2026, 11, 30))


@pytest.mark.parametrize(
    ("used", "allotted", "today", "rate", "projected", "depletes"),
    [
        # 50 used in 5 days: 10 a day; 25 days to go → 300; 100 reached on day 5 + 5.
        (F(50), F(100), date(2026, 11, 5), F(10), F(300), date(2026, 11, 10)),
        # The first day of the period: elapsed is 1.
        (F(7), F(100), date(2026, 11, 1), F(7), F(7 + 7 * 29), date(2026, 11, 15)),
        # Already over the allotment: today.
        (F(120), F(100), date(2026, 11, 12), F(10), F(120 + 10 * 18), date(2026, 11, 12)),
        # Exactly used up: today.
        (F(100), F(100), date(2026, 11, 20), F(5), F(150), date(2026, 11, 20)),
        # Nothing used: never.
        (F(0), F(100), date(2026, 11, 12), F(0), F(0), None),
        # Too slow to run out within the period.
        (F(10), F(100), date(2026, 11, 10), F(1), F(30), None),
        # Runs out exactly on the period's last day: 29 + 1 × (30 − 29)... = 30 on Nov 30.
        (F(29), F(30), date(2026, 11, 29), F(1), F(30), date(2026, 11, 30)),
        # A fractional rate: 10 in 3 days; 20 - 10 = 10 more at 10/3 a day → 3 days.
        (F(10), F(20), date(2026, 11, 3), F(10, 3), F(10) + F(10, 3) * 27, date(2026, 11, 6)),
    ],
    ids=["half", "first-day", "over", "exact", "idle", "slow", "last-day", "fractional"],
)
def test_forecast(
    used: Fraction,
    allotted: Fraction,
    today: date,
    rate: Fraction,
    projected: Fraction,
    depletes: date | None,
) -> None:
    result = forecast(used, allotted, PERIOD, today)
    assert result is not None
    assert (result.daily_rate, result.projected_used, result.depletes_on) == (
        rate,
        projected,
        depletes,
    )


@pytest.mark.parametrize("today", [date(2026, 10, 31), date(2026, 12, 1)])
def test_no_forecast_outside_the_period(today: date) -> None:
    assert forecast(F(5), F(10), PERIOD, today) is None


T = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("interval", "in_use"),
    [
        (Interval(at(-10), None), True),
        (Interval(at(-10), at(10)), True),
        (Interval(at(-10), at(0)), True),  # ended at t: not ended before t
        (Interval(at(-10), at(-1)), False),
        (Interval(at(0), None), False),  # started at t: not started before t
        (Interval(at(1), None), False),
    ],
    ids=["open", "spanning", "ends-at-t", "ended-before", "starts-at-t", "starts-after"],
)
def test_in_use_at(interval: Interval, in_use: bool) -> None:
    assert in_use_at([interval], T) == int(in_use)


WINDOW = (at(0), at(600))


@pytest.mark.parametrize(
    ("calls", "peak"),
    [
        ([], 0),
        ([(10, 20), (20, 30)], 1),  # back to back
        ([(10, 50), (20, 30)], 2),  # nested
        ([(10, 20), (10, 10)], 2),  # no length, at another call's start
        ([(10, 20), (20, 20)], 1),  # no length, at another call's end
        ([(30, 30), (30, 30)], 2),  # two without length at one instant
        ([(-30, 10), (5, 15)], 2),  # begun before the window, active at its start
        ([(-30, 0), (0, 15)], 1),  # ended exactly at the window's start
        ([(-30, -30)], 0),
        ([(600, 700)], 0),  # starts at the window's end
        ([(590, 700), (595, 605)], 2),
    ],
    ids=[
        "empty", "back-to-back", "nested", "zero-at-start", "zero-at-end", "two-zero",
        "straddles-start", "ends-at-start", "before", "at-end", "straddles-end",
    ],
)  # fmt: skip
def test_peak_concurrency(calls: list[tuple[int, int]], peak: int) -> None:
    assert peak_concurrency([Call(at(s), at(e)) for s, e in calls], *WINDOW) == peak


def brute_force(calls: list[tuple[int, int]], lo: int, hi: int) -> int:
    """Active calls counted at every minute and half-minute of the window."""
    best = 0
    for twice in range(2 * lo, 2 * hi):
        t = twice / 2
        best = max(best, sum(1 for s, e in calls if s <= t < max(s, e) or t == s))
    return best


@given(
    st.lists(
        st.tuples(st.integers(-20, 80), st.integers(0, 30)).map(lambda c: (c[0], c[0] + c[1])),
        max_size=12,
    )
)
def test_peak_concurrency_matches_brute_force(calls: list[tuple[int, int]]) -> None:
    window = (at(0), at(60))
    assert peak_concurrency([Call(at(s), at(e)) for s, e in calls], *window) == brute_force(
        calls, 0, 60
    )
