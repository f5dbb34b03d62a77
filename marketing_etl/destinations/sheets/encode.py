"""Cells as the Sheets API stores them: numbers as JSON numbers, dates as serial numbers.

Values go in RAW, so text is never parsed (a campaign named "=SUM(A1)" or an id like "1-2" stays
text). Only a report with a formula column (=IMAGE(...)) is sent USER_ENTERED, and then every
other string carries the quote prefix that tells Sheets "this is text" and is not stored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from marketing_etl.destinations.cells import Cell, coerce

SERIAL_EPOCH = datetime(1899, 12, 30)
SECONDS_PER_DAY = 86_400
TEXT_PREFIX = "'"


def serial(value: date) -> int | float:
    if isinstance(value, datetime):
        return (value - SERIAL_EPOCH).total_seconds() / SECONDS_PER_DAY
    return (value - SERIAL_EPOCH.date()).days


class RowEncoder:
    """Report rows -> Sheets rows, placed at their target columns (the tab's header order)."""

    def __init__(self, kinds: Sequence[str], positions: Sequence[int], width: int) -> None:
        self.kinds = list(kinds)
        self.positions = list(positions)
        self.width = width
        self.user_entered = "formula" in self.kinds

    @property
    def value_input_option(self) -> str:
        return "USER_ENTERED" if self.user_entered else "RAW"

    def typed(self, row: Sequence[Any]) -> list[Cell]:
        return [coerce(value, kind) for value, kind in zip(row, self.kinds, strict=False)]

    def encode(self, cells: Sequence[Cell]) -> list[Any]:
        # None (JSON null) leaves a cell unchanged: the tab's own columns this report lacks.
        out: list[Any] = [None] * self.width
        for cell, kind, position in zip(cells, self.kinds, self.positions, strict=False):
            out[position] = self._sheet_value(cell, kind)
        return out

    def _sheet_value(self, cell: Cell, kind: str) -> Any:
        if cell is None:
            return ""
        if isinstance(cell, date):
            return serial(cell)
        if isinstance(cell, str) and self.user_entered:
            if kind == "formula" and cell.startswith("="):
                return cell
            return TEXT_PREFIX + cell
        return cell


def placed(line: bytes, positions: Sequence[int], width: int) -> bytes:
    """A spooled row (report column order, as JSON) moved to its tab columns: rows are spooled
    before the tab's header is known, since reading it waits for the tab's one writer."""
    out: list[Any] = [None] * width
    for value, position in zip(json.loads(line), positions, strict=True):
        out[position] = value
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
