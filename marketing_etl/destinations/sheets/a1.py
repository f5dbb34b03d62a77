"""A1 notation: quoted tab names, column letters, bounded ranges, and URL path segments."""

from __future__ import annotations

from urllib.parse import quote

MAX_COLUMNS = 18_278  # column ZZZ


def column_letters(index: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA."""
    if index < 1:
        raise ValueError("column index starts at 1")
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def quoted(tab: str) -> str:
    # Always quote: unquoted titles such as "A1" or "Q3 2024" parse as cells or fail.
    return "'" + tab.replace("'", "''") + "'"


def cell_range(tab: str, first_row: int, last_row: int, width: int) -> str:
    """Rows first_row..last_row (1-based, inclusive) of columns A..width."""
    return f"{quoted(tab)}!A{first_row}:{column_letters(width)}{last_row}"


def path_segment(range_name: str) -> str:
    # Google's clients encode the whole range, '!' and ':' included; the method suffix
    # (":clear" and so on) stays a literal colon after it.
    return quote(range_name, safe="")
