"""Money cells as Decimals: read exactly, multiplied, rounded to the currency's units.

A float cell is read through its shortest text form (12.1 -> Decimal("12.1"), not the binary
12.0999...), so the only rounding is the one `round_amount` does, once, at the end.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from marketing_etl.fx.currencies import round_amount


def to_decimal(value: object) -> Decimal | None:
    """The cell as a finite Decimal, or None when it is empty or not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = str(value).strip().replace(",", "")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
    return number if number.is_finite() else None


def scaled(value: object, factor: Decimal, currency: str | None) -> object:
    """value x factor in `currency`'s units; an empty or non-numeric cell is left as it is."""
    amount = to_decimal(value)
    if amount is None:
        return value
    return round_amount(amount * factor, currency)
