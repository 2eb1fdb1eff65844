"""Amounts (credits, voice minutes, allotments) are stored as integers in minor units.

One unit is 10,000 minor units, so four decimal places are exact and sums are
exact on SQLite and PostgreSQL alike. More precision is refused, never rounded.
"""

from __future__ import annotations

from decimal import Decimal

MINOR_PER_UNIT = 10_000
DECIMAL_PLACES = 4
_QUANTUM = Decimal(1).scaleb(-DECIMAL_PLACES)


class AmountError(ValueError):
    """An amount that cannot be stored exactly."""


def to_minor(amount: Decimal) -> int:
    """Convert a finite decimal with at most four places to minor units."""
    if not amount.is_finite():
        raise AmountError("must be a finite number")
    exponent = amount.as_tuple().exponent
    if (
        isinstance(exponent, int)
        and exponent < -DECIMAL_PLACES
        and amount != amount.quantize(_QUANTUM)
    ):
        raise AmountError(f"has more than {DECIMAL_PLACES} decimal places")
    return int(amount * MINOR_PER_UNIT)


def from_minor(minor: int) -> Decimal:
    """Minor units back to a decimal without trailing zeros ("12.5", "3")."""
    value = (Decimal(minor) / MINOR_PER_UNIT).quantize(_QUANTUM)
    normalized = value.normalize()
    # normalize() turns 100 into 1E+2; keep plain notation.
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral() else normalized
