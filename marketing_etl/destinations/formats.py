"""Number formats per column kind, for Google Sheets and for Excel (the same patterns)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NumberFormat:
    sheets_type: str  # Sheets API NumberFormat.type
    pattern: str  # both Sheets and Excel read these patterns the same way


FORMATS: dict[str, NumberFormat] = {
    "id": NumberFormat("TEXT", "@"),
    "integer": NumberFormat("NUMBER", "#,##0"),
    "money": NumberFormat("NUMBER", "#,##0.00"),
    "ratio": NumberFormat("NUMBER", "#,##0.00"),
    "percent": NumberFormat("PERCENT", "0.00%"),
    "date": NumberFormat("DATE", "yyyy-mm-dd"),
    "datetime": NumberFormat("DATE_TIME", "yyyy-mm-dd hh:mm:ss"),
}


def format_for(kind: str) -> NumberFormat | None:
    """None for text and formula columns: their cells keep the sheet's default format."""
    return FORMATS.get(kind)
