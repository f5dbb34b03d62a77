"""The viewer's access to the simulated spreadsheets: consistent copies taken under the fake's
lock (jobs write concurrently), and the two changes a user may make by hand: editing the
`[CONFIG] Currency Exchange` tab and sharing a spreadsheet with the service account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from marketing_etl.sandbox.demo_data import FACEBOOK_ACCOUNTS
from marketing_etl.sandbox.fakes.google_grid import FakeSpreadsheet, FakeTab
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from marketing_etl.transforms.config_tab import TAB_TITLE as CONFIG_TAB_TITLE

CONFIG_HEADER = ("Account ID", "Exchange Rate (Multiplier)", "Status", "Target Currency")
# Inactive until the user turns them on: reports stay in each account's own currency.
CONFIG_EXAMPLE = (
    (f"act_{FACEBOOK_ACCOUNTS[0][0]}", 25_300, "inactive", "VND"),
    (f"act_{FACEBOOK_ACCOUNTS[1][0]}", 0.0000395, "inactive", "USD"),
)
CONFIG_ROWS = 10  # rows of the edit form, the header included
MAX_ROWS_SHOWN = 1_000


@dataclass(frozen=True)
class TabCopy:
    sheet_id: int
    title: str
    hidden: bool
    rows: list[list[Any]]  # values, trailing empty rows and cells trimmed
    formats: list[list[dict[str, Any]]]  # userEnteredFormat per shown cell
    total_rows: int

    @property
    def is_config(self) -> bool:
        return " ".join(self.title.split()).casefold() == CONFIG_TAB_TITLE.casefold()


@dataclass(frozen=True)
class BookCopy:
    spreadsheet_id: str
    shared: bool
    tabs: list[TabCopy] = field(default_factory=list)

    def tab(self, gid: int | None, title: str | None) -> TabCopy | None:
        for tab in self.tabs:
            if (gid is not None and tab.sheet_id == gid) or (title is not None and tab.title == title):
                return tab
        visible = [tab for tab in self.tabs if not tab.hidden]
        return visible[-1] if visible else None  # the newest report


def list_books(google: FakeGoogle) -> list[tuple[str, list[str]]]:
    with google.lock:
        return [(book_id, [t.title for t in book.tabs]) for book_id, book in sorted(google.books.items())]


def copy_book(
    google: FakeGoogle, spreadsheet_id: str, editor: str, max_rows: int | None = MAX_ROWS_SHOWN
) -> BookCopy | None:
    with google.lock:
        book = google.books.get(spreadsheet_id)
        if book is None:
            return None
        tabs = [_copy_tab(tab, max_rows) for tab in book.tabs]
        return BookCopy(spreadsheet_id, editor in book.editors, tabs)


def _copy_tab(tab: FakeTab, max_rows: int | None) -> TabCopy:
    values = tab.values()
    shown = values[:max_rows]
    formats = [[tab.format_at(r, c) for c in range(len(row))] for r, row in enumerate(shown)]
    return TabCopy(tab.sheet_id, tab.title, tab.hidden, shown, formats, len(values))


def share(google: FakeGoogle, spreadsheet_id: str, editor: str) -> bool:
    with google.lock:
        book = google.books.get(spreadsheet_id)
        if book is None:
            return False
        book.editors.add(editor)
        return True


def save_config(google: FakeGoogle, spreadsheet_id: str, rows: Sequence[Sequence[str]] | None) -> bool:
    """Write the config tab's cells (None: create it with the example rows if it is missing)."""
    with google.lock:
        book = google.books.get(spreadsheet_id)
        if book is None:
            return False
        tab = _config_tab(book)
        if rows is None:
            if not tab.cells:
                _fill(tab, [list(CONFIG_HEADER), *[list(row) for row in CONFIG_EXAMPLE]])
            return True
        _fill(tab, [[_typed(cell) for cell in row] for row in rows])
        return True


def _config_tab(book: FakeSpreadsheet) -> FakeTab:
    for tab in book.tabs:
        if " ".join(tab.title.split()).casefold() == CONFIG_TAB_TITLE.casefold():
            return tab
    sheet_id = max((t.sheet_id for t in book.tabs), default=0) + 1
    tab = FakeTab(sheet_id=sheet_id, title=CONFIG_TAB_TITLE, rows=100, cols=len(CONFIG_HEADER))
    book.tabs.append(tab)
    return tab


def _fill(tab: FakeTab, rows: Sequence[Sequence[Any]]) -> None:
    tab.clear(0, tab.rows, 0, tab.cols, formats=False)
    for r, row in enumerate(rows[: tab.rows]):
        for c, value in enumerate(row[: tab.cols]):
            tab.put(r, c, value)


def _typed(text: str) -> Any:
    """As Sheets stores what a user types: numbers become numbers."""
    cleaned = text.strip()
    try:
        number = float(cleaned.replace(",", ""))
    except ValueError:
        return cleaned
    return int(number) if number.is_integer() else number
