"""The fake Sheets API's data model: tabs with a grid size, cell values and cell formats.

Behaves like Google's where the writer depends on it: writes outside the grid are refused,
the 10,000,000-cell limit counts every tab's full grid, values.get trims trailing empty rows
and cells, null leaves a cell as it is and "" clears it.

A row's cells are kept packed in one bytes object: a full spreadsheet (10 M cells) as Python
objects, one per cell, would take about a gigabyte; packed it takes about a fifth of that.
"""

from __future__ import annotations

import marshal
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_CELLS = 10_000_000
_CELL = re.compile(r"^([A-Z]*)(\d*)$")


class ApiError(Exception):
    def __init__(self, code: int, message: str, status: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


@dataclass(frozen=True)
class Formula:
    text: str


@dataclass
class FakeTab:
    sheet_id: int
    title: str
    rows: int = 1000
    cols: int = 26
    frozen_rows: int = 0
    hidden: bool = False
    cells: dict[int, bytes] = field(default_factory=dict)  # 0-based row -> its cells, packed
    format_rules: list[tuple[tuple[int, int, int, int], dict[str, Any] | None]] = field(default_factory=list)

    # reading, for tests ------------------------------------------------------------------
    def values(self) -> list[list[Any]]:
        """Every row down to the last non-empty one, like values.get of the whole tab."""
        return self.read(0, self.rows, 0, self.cols)

    def read(self, r0: int, r1: int, c0: int, c1: int) -> list[list[Any]]:
        out: list[list[Any]] = []
        for r in range(r0, min(r1, self.rows)):
            line = ["" if cell is None else cell for cell in self.row(r)[c0 : min(c1, self.cols)]]
            while line and line[-1] == "":
                line.pop()
            out.append(line)
        while out and not out[-1]:
            out.pop()
        return out

    def row(self, r: int) -> list[Any]:
        """Row r's cells up to its last filled one, None where a cell is empty."""
        packed = self.cells.get(r)
        return [] if packed is None else _unpack(packed)

    def cell(self, r: int, c: int) -> Any:
        cells = self.row(r)
        return cells[c] if c < len(cells) and cells[c] is not None else ""

    def format_at(self, row: int, col: int) -> dict[str, Any]:
        """The userEnteredFormat of one cell (0-based), as the applied rules left it."""
        merged: dict[str, Any] = {}
        for (r0, r1, c0, c1), fmt in self.format_rules:
            if r0 <= row < r1 and c0 <= col < c1:
                merged = {} if fmt is None else {**merged, **fmt}
        return merged

    # changing ----------------------------------------------------------------------------
    def check_inside(self, r1: int, c1: int, shown: str) -> None:
        if r1 > self.rows or c1 > self.cols:
            raise bad_request(
                f"Range ({shown}) exceeds grid limits. Max rows: {self.rows}, max columns: {self.cols}"
            )

    def put(self, r: int, c: int, value: Any) -> None:
        self.put_row(r, c, [value])

    def put_row(self, r: int, c0: int, values: Sequence[Any]) -> None:
        """Cells from column c0 on: null leaves a cell as it is, "" clears it."""
        if all(value is None for value in values):
            return
        cells = self.row(r)
        cells += [None] * (c0 + len(values) - len(cells))
        for offset, value in enumerate(values):
            if value is not None:
                cells[c0 + offset] = None if value == "" else value
        self._store(r, cells)

    def clear(self, r0: int, r1: int, c0: int, c1: int, *, formats: bool) -> None:
        # Over the filled rows, not the range: a whole-tab range may span millions of rows.
        for r in [r for r in self.cells if r0 <= r < r1]:
            cells = self.row(r)
            cells[c0:c1] = [None] * len(cells[c0:c1])
            self._store(r, cells)
        if formats:
            self.format_rules.append(((r0, r1, c0, c1), None))

    def resize(self, rows: int | None, cols: int | None) -> None:
        if rows is not None:
            for r in [r for r in self.cells if r >= rows]:
                del self.cells[r]
            self.rows = rows
        if cols is not None:
            for r in [r for r, packed in self.cells.items() if len(_unpack(packed)) > cols]:
                self._store(r, self.row(r)[:cols])
            self.cols = cols

    def last_filled_row(self) -> int:
        return max(self.cells, default=-1) + 1  # only rows holding a value are kept

    def _store(self, r: int, cells: list[Any]) -> None:
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            self.cells[r] = _pack(cells)
        else:
            self.cells.pop(r, None)

    def properties(self, index: int) -> dict[str, Any]:
        grid: dict[str, Any] = {"rowCount": self.rows, "columnCount": self.cols}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        props: dict[str, Any] = {
            "sheetId": self.sheet_id, "title": self.title, "index": index,
            "sheetType": "GRID", "gridProperties": grid,
        }
        if self.hidden:
            props["hidden"] = True
        return props


def _pack(cells: list[Any]) -> bytes:
    # marshal keeps int, float, bool and str apart, as Sheets does; a formula becomes a 1-tuple.
    return marshal.dumps(tuple((cell.text,) if isinstance(cell, Formula) else cell for cell in cells))


def _unpack(packed: bytes) -> list[Any]:
    return [Formula(cell[0]) if isinstance(cell, tuple) else cell for cell in marshal.loads(packed)]


@dataclass
class FakeSpreadsheet:
    spreadsheet_id: str
    editors: set[str]
    tabs: list[FakeTab] = field(default_factory=list)
    title: str = "Untitled spreadsheet"

    def tab(self, title: str) -> FakeTab:
        found = self.find(title)
        if found is None:
            raise KeyError(title)
        return found

    def find(self, title: str) -> FakeTab | None:
        return next((t for t in self.tabs if t.title == title), None)

    def by_id(self, sheet_id: int) -> FakeTab:
        for tab in self.tabs:
            if tab.sheet_id == sheet_id:
                return tab
        raise bad_request(f"No grid with id: {sheet_id}")

    def total_cells(self) -> int:
        return sum(t.rows * t.cols for t in self.tabs)

    def check_cell_limit(self) -> None:
        if self.total_cells() > MAX_CELLS:
            raise bad_request(
                "This action would increase the number of cells in the workbook above the limit "
                f"of {MAX_CELLS} cells."
            )


@dataclass(frozen=True)
class A1:
    tab: FakeTab
    r0: int
    r1: int  # exclusive
    c0: int
    c1: int
    bounded: bool  # a range with an end (A1:C5), not an anchor (A1)

    @property
    def shown(self) -> str:
        return f"{self.tab.title}!{letters(self.c0 + 1)}{self.r0 + 1}:{letters(self.c1)}{self.r1}"


def letters(index: int) -> str:
    out = ""
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def column_number(text: str) -> int:
    number = 0
    for char in text:
        number = number * 26 + ord(char) - 64
    return number


def parse_a1(book: FakeSpreadsheet, text: str) -> A1:
    title, _, cells = _split_title(text)
    tab = book.find(title)
    if tab is None:
        raise bad_request(f"Unable to parse range: {text}")
    if not cells:
        return A1(tab, 0, tab.rows, 0, tab.cols, True)
    first, _, last = cells.partition(":")
    m1, m2 = _CELL.match(first), _CELL.match(last or first)
    if not m1 or not m2:
        raise bad_request(f"Unable to parse range: {text}")
    c0 = column_number(m1.group(1)) - 1 if m1.group(1) else 0
    r0 = int(m1.group(2)) - 1 if m1.group(2) else 0
    if not last:
        return A1(tab, r0, tab.rows, c0, tab.cols, False)
    c1 = column_number(m2.group(1)) if m2.group(1) else tab.cols
    r1 = int(m2.group(2)) if m2.group(2) else tab.rows
    return A1(tab, r0, r1, c0, c1, True)


def _split_title(text: str) -> tuple[str, str, str]:
    if text.startswith("'"):
        end = 1
        while True:
            end = text.index("'", end)
            if text[end : end + 2] == "''":
                end += 2
                continue
            break
        title = text[1:end].replace("''", "'")
        rest = text[end + 1 :]
        return title, "!", rest[1:] if rest.startswith("!") else rest
    title, sep, cells = text.partition("!")
    return title, sep, cells


def user_entered(value: Any) -> Any:
    """What Sheets stores for a value typed in the UI (USER_ENTERED), for the cases the writer uses."""
    if not isinstance(value, str):
        return value
    if value.startswith("'"):
        return value[1:]
    if value.startswith("="):
        return Formula(value)
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        return value
    return int(number) if number.is_integer() else number
