"""Where a report goes in its tab: the header row after the write, the column each report
column lands in, the first row, the grid size, and whether the spreadsheet can hold it all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from marketing_etl.destinations.sheets.a1 import MAX_COLUMNS, cell_range, column_letters, quoted
from marketing_etl.destinations.sheets.client import SheetsClient
from marketing_etl.errors import UserError

MAX_CELLS = 10_000_000  # every tab's rowCount x columnCount together
MAX_CELL_CHARS = 50_000
PAGE_CELLS = 250_000  # one read of the tab's bottom rows, when looking for the last filled row
MIN_ROWS = 2  # Sheets refuses a grid whose only row is the frozen header


@dataclass(frozen=True)
class Tab:
    sheet_id: int
    title: str
    rows: int
    cols: int

    @property
    def cells(self) -> int:
        return self.rows * self.cols


@dataclass(frozen=True)
class Workbook:
    tabs: tuple[Tab, ...]

    def find(self, title: str) -> Tab | None:
        return next((tab for tab in self.tabs if tab.title == title), None)

    def cells_except(self, *titles: str) -> int:
        return sum(tab.cells for tab in self.tabs if tab.title not in titles)

    def unused_sheet_id(self, offset: int = 0) -> int:
        taken = {tab.sheet_id for tab in self.tabs}
        candidate = 1_000_000_000 + offset
        while candidate in taken:
            candidate += 7
        return candidate


def read_workbook(client: SheetsClient) -> Workbook:
    answer = client.get_spreadsheet()
    tabs = []
    for sheet in answer.get("sheets", []):
        props: dict[str, Any] = sheet.get("properties", {})
        grid = props.get("gridProperties", {})
        tabs.append(
            Tab(int(props.get("sheetId", 0)), str(props.get("title", "")),
                int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0)))
        )
    return Workbook(tuple(tabs))


@dataclass(frozen=True)
class Layout:
    header: list[str]  # row 1 of the tab after the write
    positions: list[int]  # report column i lands in tab column positions[i] (0-based)
    header_from: int  # header cells before this index are already in the tab
    start_row: int  # the tab row (1-based) of the report's first row

    @property
    def width(self) -> int:
        return len(self.header)


def fresh_layout(names: Sequence[str]) -> Layout:
    return Layout(list(names), list(range(len(names))), 0, 2)


def append_layout(existing: Sequence[str], last_filled_row: int, names: Sequence[str]) -> Layout:
    """New columns go right of the existing header; each report column takes the next unused
    tab column of the same name, so repeated names pair up in order."""
    header = list(existing)
    free: dict[str, list[int]] = {}
    for index, name in enumerate(existing):
        free.setdefault(name, []).append(index)
    positions = []
    for name in names:
        slots = free.get(name)
        if slots:
            positions.append(slots.pop(0))
        else:
            positions.append(len(header))
            header.append(name)
    return Layout(header, positions, len(existing), max(last_filled_row + 1, 2))


def read_header(client: SheetsClient, tab: Tab) -> list[str]:
    if tab.cols == 0:
        return []
    rows = client.get_values(f"{quoted(tab.title)}!A1:{column_letters(tab.cols)}1")
    return ["" if cell is None else str(cell) for cell in (rows[0] if rows else [])]


def last_filled_row(client: SheetsClient, tab: Tab, page_cells: int = PAGE_CELLS) -> int:
    """The last row holding any value (0 for an empty tab). Reads pages from the bottom up,
    so only the rows below the data and the last page of data are fetched."""
    if tab.rows == 0 or tab.cols == 0:
        return 0
    page = max(1, page_cells // tab.cols)
    end = tab.rows
    while end >= 1:
        first = max(1, end - page + 1)
        values = client.get_values(cell_range(tab.title, first, end, tab.cols))
        # Google trims trailing empty rows, so the length says where the data stops.
        filled = [i for i, row in enumerate(values) if any(cell not in (None, "") for cell in row)]
        if filled:
            return first + filled[-1]
        end = first - 1
    return 0


def grid_size(layout: Layout, rows_total: int, tab: Tab | None, *, overwrite: bool) -> tuple[int, int]:
    rows = max(MIN_ROWS, layout.start_row + rows_total - 1)
    cols = layout.width
    if tab is not None and not overwrite:
        # Appending never shrinks the tab: what lies beyond the report stays.
        rows, cols = max(rows, tab.rows), max(cols, tab.cols)
    return rows, cols


def check_fits(workbook: Workbook, title: str, grid: tuple[int, int], extra_cells: int) -> None:
    rows, cols = grid
    if cols > MAX_COLUMNS:
        raise UserError(
            f"The report needs {cols:,} columns; a Google Sheets tab holds at most {MAX_COLUMNS:,}. "
            "Select fewer fields."
        )
    others = workbook.cells_except(title) + extra_cells
    needed = rows * cols + others
    if needed > MAX_CELLS:
        raise UserError(
            f"The report does not fit in the spreadsheet: it needs {needed:,} cells "
            f"({rows:,} rows x {cols} columns in tab '{title}', plus {others:,} in the other tabs), "
            f"and Google Sheets allows {MAX_CELLS:,} per spreadsheet. Split it into "
            "smaller jobs (fewer days or fewer accounts), select fewer fields, or write it to "
            "another spreadsheet."
        )


def check_cell_lengths(longest_row: int | None, column: str, length: int) -> None:
    if longest_row is None:
        return
    raise UserError(
        f"Row {longest_row:,} of the report has {length:,} characters in column '{column}'; a Google "
        f"Sheets cell holds at most {MAX_CELL_CHARS:,}. Remove that field, or "
        "use destination \"csv\"."
    )
