"""A simulated spreadsheet as an .xlsx file: every tab, values typed, the writer's number
formats and bold header kept, pictures (=IMAGE formulas) as hyperlinks."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from marketing_etl.sandbox.books import BookCopy
from marketing_etl.sandbox.viewer_cells import image_url, is_bold, pattern_of

_TITLE_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
_EXCEL_TITLE_MAX = 31


def xlsx_bytes(book: BookCopy) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for tab in book.tabs:
        sheet = workbook.create_sheet(_unique_title(tab.title, used))
        for r, row in enumerate(tab.rows, start=1):
            for c, value in enumerate(row, start=1):
                _put(sheet.cell(row=r, column=c), value, tab.formats[r - 1][c - 1])
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()


def _put(cell: Any, value: Any, fmt: dict[str, Any]) -> None:
    url = image_url(value)
    if url is not None:
        cell.value = url
        cell.hyperlink = url
    elif isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # text stays text, even when it starts with "="
    elif value is not None and not isinstance(value, bool | int | float):
        cell.value = str(value)  # a formula other than IMAGE: shown as its text
    else:
        cell.value = value
    pattern = pattern_of(fmt)
    if pattern:
        cell.number_format = pattern
    if is_bold(fmt):
        cell.font = Font(bold=True)


def _unique_title(title: str, used: set[str]) -> str:
    """Excel's rules: 31 characters, none of []:*?/\\, unique."""
    base = (title.translate(_TITLE_CHARS) or "Sheet")[:_EXCEL_TITLE_MAX]
    name, n = base, 1
    while name.casefold() in used:
        n += 1
        suffix = f" ({n})"
        name = base[: _EXCEL_TITLE_MAX - len(suffix)] + suffix
    used.add(name.casefold())
    return name
