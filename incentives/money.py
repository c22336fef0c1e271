"""Money in this app: Decimal amounts in CNY, rounded to the cent half-up. The one place that says so."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Every amount is in renminbi; the models state it on each scheme and statement.
CURRENCY = "CNY"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    """The amount rounded to the cent, half-up (0.005 → 0.01), as every amount of pay is."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def clamp(value: Decimal, *, floor: Decimal, cap: Decimal) -> Decimal:
    """The value held between floor and cap (a floor above the cap is refused by the scheme's constraint)."""
    return min(max(value, floor), cap)
