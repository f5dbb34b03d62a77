"""spreadsheets.batchUpdate on the fake: the subrequests the writer (and gspread-style clients)
send, applied in order and atomically (all or nothing), each checked like Google checks it."""

from __future__ import annotations

import copy
from typing import Any

from marketing_etl.sandbox.fakes.google_grid import (
    ApiError,
    FakeSpreadsheet,
    FakeTab,
    Formula,
    bad_request,
    letters,
)

Json = dict[str, Any]


def batch_update(book: FakeSpreadsheet, payload: Json) -> Json:
    requests = payload.get("requests") or []
    work = copy.deepcopy(book.tabs)
    draft = FakeSpreadsheet(book.spreadsheet_id, book.editors, work)
    replies = []
    for index, request in enumerate(requests):
        [(name, body)] = request.items()
        try:
            replies.append(_apply(draft, name, body))
            draft.check_cell_limit()
        except ApiError as exc:
            raise bad_request(f"Invalid requests[{index}].{name}: {exc.message}") from None
    # Keep the tab objects tests hold: copy the draft's state back into them.
    for original, changed in zip(book.tabs, draft.tabs, strict=False):
        original.__dict__.update(changed.__dict__)
    book.tabs.extend(draft.tabs[len(book.tabs) :])
    return {"spreadsheetId": book.spreadsheet_id, "replies": replies}


def _apply(book: FakeSpreadsheet, name: str, body: Json) -> Json:
    if name == "addSheet":
        return _add_sheet(book, body["properties"])
    if name == "updateSheetProperties":
        _update_properties(book, body)
    elif name == "updateCells":
        _update_cells(book, body)
    elif name == "repeatCell":
        _repeat_cell(book, body)
    elif name == "appendDimension":
        tab = book.by_id(body["sheetId"])
        if body["dimension"] == "ROWS":
            tab.resize(tab.rows + body["length"], None)
        else:
            tab.resize(None, tab.cols + body["length"])
    else:
        raise bad_request(f"Unsupported request {name}")
    return {}


def _add_sheet(book: FakeSpreadsheet, props: Json) -> Json:
    title = props.get("title") or f"Sheet{len(book.tabs) + 1}"
    if book.find(title):
        raise bad_request(f'A sheet with the name "{title}" already exists. Please enter another name.')
    sheet_id = props.get("sheetId", 1000 + len(book.tabs))
    if any(t.sheet_id == sheet_id for t in book.tabs):
        raise bad_request(f"A sheet with the id {sheet_id} already exists.")
    grid = props.get("gridProperties", {})
    tab = FakeTab(sheet_id, title, grid.get("rowCount", 1000), grid.get("columnCount", 26),
                  grid.get("frozenRowCount", 0), bool(props.get("hidden", False)))
    _check_frozen(tab)
    book.tabs.append(tab)
    return {"addSheet": {"properties": tab.properties(len(book.tabs) - 1)}}


def _update_properties(book: FakeSpreadsheet, body: Json) -> None:
    props = body["properties"]
    tab = book.by_id(props["sheetId"])
    fields = [f.strip().replace("/", ".") for f in str(body.get("fields", "")).split(",") if f.strip()]
    if not fields:
        raise bad_request("At least one field must be updated, but 'fields' is empty.")
    grid = props.get("gridProperties", {})
    for name in fields:
        if name == "gridProperties.rowCount":
            tab.resize(grid["rowCount"], None)
        elif name == "gridProperties.columnCount":
            tab.resize(None, grid["columnCount"])
        elif name == "gridProperties.frozenRowCount":
            tab.frozen_rows = grid.get("frozenRowCount", 0)
        elif name == "hidden":
            tab.hidden = bool(props.get("hidden"))
        elif name == "title":
            tab.title = props["title"]
        else:
            raise bad_request(f"Unsupported field {name}")
        # Google checks the limit after every step of the mask too.
        book.check_cell_limit()
    _check_frozen(tab)


def _check_frozen(tab: FakeTab) -> None:
    if tab.frozen_rows and tab.frozen_rows >= tab.rows:
        raise bad_request("You can't freeze all visible rows on the sheet.")


def _grid_range(book: FakeSpreadsheet, rng: Json) -> tuple[FakeTab, int, int, int, int]:
    tab = book.by_id(rng.get("sheetId", 0))
    r0, c0 = rng.get("startRowIndex", 0), rng.get("startColumnIndex", 0)
    r1, c1 = rng.get("endRowIndex", tab.rows), rng.get("endColumnIndex", tab.cols)
    tab.check_inside(r1, c1, f"{tab.title}!{letters(c0 + 1)}{r0 + 1}:{letters(c1)}{r1}")
    return tab, r0, r1, c0, c1


def _update_cells(book: FakeSpreadsheet, body: Json) -> None:
    fields = str(body.get("fields", ""))
    if not fields:
        raise bad_request("'fields' is required")
    rows = body.get("rows", [])
    everything = fields == "*"
    if "range" in body:
        tab, r0, r1, c0, c1 = _grid_range(book, body["range"])
        # Cells of the range that `rows` does not reach are cleared (in the masked fields).
        tab.clear(r0, r1, c0, c1, formats=everything or "userEnteredFormat" in fields)
    else:
        start = body["start"]
        tab = book.by_id(start["sheetId"])
        r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
        width = max((len(r.get("values", [])) for r in rows), default=0)
        tab.check_inside(r0 + len(rows), c0 + width,
                         f"{tab.title}!{letters(c0 + 1)}{r0 + 1}:{letters(c0 + width)}{r0 + len(rows)}")
    for dr, row in enumerate(rows):
        for dc, cell in enumerate(row.get("values", [])):
            if everything or "userEnteredValue" in fields:
                tab.put(r0 + dr, c0 + dc, _extended_value(cell.get("userEnteredValue")))
            if "userEnteredFormat" in cell and (everything or "userEnteredFormat" in fields):
                r, c = r0 + dr, c0 + dc
                tab.format_rules.append(((r, r + 1, c, c + 1), cell["userEnteredFormat"]))


def _extended_value(value: Json | None) -> Any:
    if not value:
        return ""
    if "formulaValue" in value:
        return Formula(value["formulaValue"])
    for key in ("numberValue", "stringValue", "boolValue"):
        if key in value:
            return value[key]
    return ""


def _repeat_cell(book: FakeSpreadsheet, body: Json) -> None:
    tab, r0, r1, c0, c1 = _grid_range(book, body["range"])
    fmt = body.get("cell", {}).get("userEnteredFormat", {})
    fields = str(body.get("fields", ""))
    if not fields.startswith("userEnteredFormat"):
        raise bad_request(f"Unsupported fields {fields}")
    # Open-ended ranges cover the rows the tab has and any added later.
    if "endRowIndex" not in body["range"]:
        r1 = 10**9
    tab.format_rules.append(((r0, r1, c0, c1), copy.deepcopy(fmt)))
