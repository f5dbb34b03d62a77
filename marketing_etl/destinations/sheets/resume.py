"""Before a later attempt continues where an earlier one stopped, check the tab still holds what
the checkpoint says was written (the first and the last row of that block, cell for cell), and
find where the rest goes if other jobs appended below it meanwhile.

A checkpoint only records what this job did; people and other jobs may have changed the tab since
(deleted rows, recreated the tab, appended their own rows). Continuing blindly would leave a gap,
or write over the rows another job added.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from marketing_etl.destinations.sheets.a1 import cell_range
from marketing_etl.destinations.sheets.client import SheetsClient
from marketing_etl.destinations.sheets.encode import TEXT_PREFIX
from marketing_etl.destinations.sheets.layout import Tab
from marketing_etl.destinations.sheets.spool import Spool

PREVIEW_CELLS = 4


def block_problem(
    client: SheetsClient, tab: Tab | None, *, first_row: int, last_row: int, rows_done: int,
    spool: Spool, kinds: Sequence[str], positions: Sequence[int],
) -> str | None:
    """What is wrong with the block of `rows_done` report rows written at tab rows first_row
    (report row 1) .. last_row (report row rows_done); None if both ends are as written."""
    if tab is None:
        return "the tab no longer exists"
    if tab.rows < last_row:
        return f"the tab has only {tab.rows:,} rows now"
    width = max(positions) + 1
    for tab_row, index in ((first_row, 0), (last_row, rows_done - 1)):
        written: list[Any] = json.loads(spool.line(index))
        values = client.get_values(cell_range(tab.title, tab_row, tab_row, width))
        found = [tab_cell(values[0] if values else [], position) for position in positions]
        if not same_row(written, found, kinds):
            return (
                f"row {tab_row:,} holds {_preview(found)} where report row {index + 1:,} "
                f"({_preview(written)}) was written"
            )
    return None


def tab_cell(row: Sequence[Any], position: int) -> Any:
    # Google drops trailing empty cells from a row it returns.
    return row[position] if position < len(row) else ""


def same_row(written: Sequence[Any], found: Sequence[Any], kinds: Sequence[str]) -> bool:
    # A formula's cell holds its result, not what was sent: only the other cells can be compared.
    pairs = zip(written, found, kinds, strict=True)
    return all(_same_cell(sent, got) for sent, got, kind in pairs if kind != "formula")


def _same_cell(sent: Any, got: Any) -> bool:
    if isinstance(sent, str) and sent.startswith(TEXT_PREFIX):
        sent = sent[len(TEXT_PREFIX):]  # the text marker of USER_ENTERED writes is not stored
    if sent in (None, ""):
        return got in (None, "")
    if isinstance(sent, int | float) and not isinstance(sent, bool):
        return isinstance(got, int | float) and math.isclose(sent, got, rel_tol=1e-9, abs_tol=1e-12)
    return bool(sent == got)


def _preview(cells: Sequence[Any]) -> str:
    shown = [json.dumps(cell, ensure_ascii=False) for cell in cells[:PREVIEW_CELLS]]
    more = ", …" if len(cells) > PREVIEW_CELLS else ""
    return "[" + ", ".join(shown) + more + "]"
