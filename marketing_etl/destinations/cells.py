"""One cell's value, coerced to the Python type its column kind promises.

Every destination starts from these values, so a Sheets tab, a CSV and an XLSX file agree on
what a cell holds: ids stay text (a 19-digit id as a float would lose digits), counts are ints,
money/ratio/percent are floats (percent as a fraction: 0.3333 shows as 33.33 %), dates are dates.
A value that cannot be read as its kind is kept as text rather than dropped.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

Cell = str | int | float | bool | date | None

NUMERIC_KINDS = frozenset({"integer", "money", "ratio", "percent"})


def coerce(value: Any, kind: str) -> Cell:
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no NaN: Google answers 400 to the whole request
    if kind in NUMERIC_KINDS:
        return _number(value, integer=kind == "integer")
    if kind == "date":
        return _date(value)
    if kind == "datetime":
        return _datetime(value)
    if isinstance(value, bool) and kind == "text":
        return value
    return str(value)


def _number(value: Any, *, integer: bool) -> Cell:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | Decimal):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "")
        if text == "":
            return None
        try:
            number = float(text)
        except ValueError:
            return str(value)
    if not math.isfinite(number):
        return None
    if integer and number.is_integer():
        return int(number)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return number


def _date(value: Any) -> Cell:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return text or None


def _datetime(value: Any) -> Cell:
    if isinstance(value, datetime):
        # Serials and spreadsheet cells carry no zone: keep the wall time the source reported.
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return text or None


def text_length(cell: Cell) -> int:
    return len(cell) if isinstance(cell, str) else 0
