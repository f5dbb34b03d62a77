"""The one spreadsheets.batchUpdate a job sends before its values: the tab's structure (create,
clear, resize, freeze), the header cells and every format. Sheets applies a batch atomically, and
the values written afterwards keep these formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marketing_etl.destinations.formats import format_for
from marketing_etl.destinations.sheets.layout import Layout, Tab

Json = dict[str, Any]
HEADER_FORMAT: Json = {
    "textFormat": {"bold": True},
    "horizontalAlignment": "CENTER",
    "backgroundColorStyle": {"rgbColor": {"red": 0.9, "green": 0.9, "blue": 0.9}},
}


def add_tab(sheet_id: int, title: str, rows: int, cols: int, *, hidden: bool = False) -> Json:
    grid = {"rowCount": rows, "columnCount": cols}
    if not hidden:
        grid["frozenRowCount"] = 1
    props: Json = {"sheetId": sheet_id, "title": title, "sheetType": "GRID", "gridProperties": grid}
    if hidden:
        props["hidden"] = True
    return {"addSheet": {"properties": props}}


def clear_tab(sheet_id: int) -> Json:
    """Values and formats of every cell: an overwritten tab keeps nothing of the old report."""
    return {"updateCells": {"range": {"sheetId": sheet_id}, "fields": "*"}}


def resize(tab: Tab, rows: int, cols: int) -> list[Json]:
    """Absolute sizes (safe to repeat). Google checks the cell limit per step, with the other
    dimension still at its old size, so the shrinking dimension goes first."""
    steps = []
    for key, old, new in (("rowCount", tab.rows, rows), ("columnCount", tab.cols, cols)):
        if new != old:
            steps.append((new - old, key, new))
    steps.sort()
    return [_grid_property(tab.sheet_id, key, value) for _, key, value in steps]


def freeze_header(sheet_id: int) -> Json:
    return _grid_property(sheet_id, "frozenRowCount", 1)


def _grid_property(sheet_id: int, key: str, value: int) -> Json:
    return {
        "updateSheetProperties": {
            "properties": {"sheetId": sheet_id, "gridProperties": {key: value}},
            "fields": f"gridProperties.{key}",
        }
    }


def header_cells(sheet_id: int, layout: Layout) -> list[Json]:
    new = layout.header[layout.header_from :]
    if not new:
        return []
    return [
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": layout.header_from},
                "rows": [{"values": [{"userEnteredValue": {"stringValue": name}} for name in new]}],
                "fields": "userEnteredValue",
            }
        }
    ]


def formats(sheet_id: int, layout: Layout, kinds: Sequence[str]) -> list[Json]:
    requests: list[Json] = [
        {
            "repeatCell": {
                "range": {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": 1,
                          "startColumnIndex": 0, "endColumnIndex": layout.width},
                "cell": {"userEnteredFormat": HEADER_FORMAT},
                "fields": "userEnteredFormat(textFormat,horizontalAlignment,backgroundColorStyle)",
            }
        }
    ]
    for position, kind in zip(layout.positions, kinds, strict=False):
        number_format = format_for(kind)
        if number_format is None:
            continue
        requests.append(
            {
                "repeatCell": {
                    # No endRowIndex: the whole column below the header, rows added later included.
                    "range": {"sheetId": sheet_id, "startRowIndex": 1,
                              "startColumnIndex": position, "endColumnIndex": position + 1},
                    "cell": {"userEnteredFormat": {"numberFormat": {
                        "type": number_format.sheets_type, "pattern": number_format.pattern}}},
                    "fields": "userEnteredFormat.numberFormat",
                }
            }
        )
    return requests
