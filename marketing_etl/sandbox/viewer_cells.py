"""How a simulated spreadsheet's cell reads on screen: its value through the number format the
writer set (the patterns of destinations/formats.py), and =IMAGE() formulas as links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from marketing_etl.sandbox.fakes.google_grid import Formula

SERIAL_EPOCH = datetime(1899, 12, 30)  # day 0 of spreadsheet date serials
_IMAGE = re.compile(r'^=IMAGE\(\s*"((?:[^"]|"")*)"', re.IGNORECASE)


@dataclass(frozen=True)
class Shown:
    text: str
    href: str | None = None  # an image cell links to its picture
    numeric: bool = False  # right-aligned


def pattern_of(fmt: dict[str, Any]) -> str:
    return str((fmt.get("numberFormat") or {}).get("pattern") or "")


def is_bold(fmt: dict[str, Any]) -> bool:
    return bool((fmt.get("textFormat") or {}).get("bold"))


def image_url(value: Any) -> str | None:
    if not isinstance(value, Formula):
        return None
    found = _IMAGE.match(value.text)
    return found.group(1).replace('""', '"') if found else None


def shown(value: Any, pattern: str) -> Shown:
    if isinstance(value, Formula):
        url = image_url(value)
        return Shown(url, url) if url and url.startswith(("http://", "https://")) else Shown(value.text)
    if isinstance(value, bool):
        return Shown("TRUE" if value else "FALSE")
    if isinstance(value, int | float):
        return Shown(_number(value, pattern), numeric=pattern != "@")
    return Shown(str(value))


def _number(value: float, pattern: str) -> str:
    if pattern == "#,##0":
        return f"{value:,.0f}"
    if pattern == "#,##0.00":
        return f"{value:,.2f}"
    if pattern == "0.00%":
        return f"{value * 100:.2f}%"
    if pattern == "yyyy-mm-dd":
        return f"{SERIAL_EPOCH + timedelta(days=value):%Y-%m-%d}"
    if pattern == "yyyy-mm-dd hh:mm:ss":
        return f"{SERIAL_EPOCH + timedelta(days=value):%Y-%m-%d %H:%M:%S}"
    if float(value).is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")  # 0.0000395, not 3.95e-05
