"""spreadsheets.values.* on the fake: get, update, batchUpdate, append, clear."""

from __future__ import annotations

from typing import Any

from marketing_etl.sandbox.fakes.google_grid import (
    A1,
    FakeSpreadsheet,
    Formula,
    bad_request,
    letters,
    parse_a1,
    user_entered,
)

Json = dict[str, Any]
INPUT_OPTIONS = ("RAW", "USER_ENTERED")


def handle(kind: str, book: FakeSpreadsheet, range_text: str, params: dict[str, str], payload: Json) -> Json:
    if kind == "values.get":
        return _get(book, range_text)
    if kind == "values.clear":
        target = parse_a1(book, range_text)
        target.tab.clear(target.r0, target.r1, target.c0, target.c1, formats=False)
        return {"spreadsheetId": book.spreadsheet_id, "clearedRange": target.shown}
    if kind == "values.update":
        option = _input_option(params.get("valueInputOption"))
        target = parse_a1(book, range_text)
        values = payload.get("values") or []
        _check(target, values, range_text)
        return _write(book, target, values, option)
    if kind == "values.batchUpdate":
        return _batch(book, payload)
    if kind == "values.append":
        return _append(book, range_text, params, payload)
    raise bad_request(f"unknown call {kind}")


def _input_option(option: str | None) -> str:
    if not option:
        raise bad_request("'valueInputOption' is required but not specified")
    if option not in INPUT_OPTIONS:
        raise bad_request(f"Invalid value at 'value_input_option' ({option})")
    return option


def _get(book: FakeSpreadsheet, range_text: str) -> Json:
    target = parse_a1(book, range_text)
    rows = target.tab.read(target.r0, target.r1, target.c0, target.c1)
    shown = [[cell.text if isinstance(cell, Formula) else cell for cell in row] for row in rows]
    answer: Json = {"range": target.shown, "majorDimension": "ROWS"}
    if shown:
        answer["values"] = shown
    return answer


def _check(target: A1, values: list[list[Any]], shown: str) -> None:
    width = max((len(row) for row in values), default=0)
    if target.bounded and (len(values) > target.r1 - target.r0):
        raise bad_request(
            f"Requested writing within range [{shown}], but tried writing to row "
            f"[{target.r0 + len(values) + 1}]"
        )
    if target.bounded and width > target.c1 - target.c0:
        raise bad_request(
            f"Requested writing within range [{shown}], but tried writing to column "
            f"[{letters(target.c0 + width)}]"
        )
    r1, c1 = target.r0 + len(values), target.c0 + width
    target.tab.check_inside(
        r1, c1, f"{target.tab.title}!{letters(target.c0 + 1)}{target.r0 + 1}:{letters(c1)}{r1}"
    )


def _write(book: FakeSpreadsheet, target: A1, values: list[list[Any]], option: str) -> Json:
    for row in values:
        if any(isinstance(value, float) and value != value for value in row):
            raise bad_request("Invalid JSON payload received. Unexpected token.")
    for dr, row in enumerate(values):
        stored = [user_entered(value) for value in row] if option == "USER_ENTERED" else row
        target.tab.put_row(target.r0 + dr, target.c0, stored)
    width = max((len(row) for row in values), default=0)
    return {
        "spreadsheetId": book.spreadsheet_id,
        "updatedRange": target.shown,
        "updatedRows": len(values),
        "updatedColumns": width,
        "updatedCells": sum(len(row) for row in values),
    }


def _batch(book: FakeSpreadsheet, payload: Json) -> Json:
    option = _input_option(payload.get("valueInputOption"))
    data = payload.get("data") or []
    checked = []
    for index, entry in enumerate(data):
        try:
            target = parse_a1(book, entry["range"])
            _check(target, entry.get("values") or [], entry["range"])
        except Exception as exc:
            message = getattr(exc, "message", str(exc))
            raise bad_request(f"Invalid data[{index}]: {message}") from None
        checked.append((target, entry.get("values") or []))
    responses = [_write(book, target, values, option) for target, values in checked]
    return {
        "spreadsheetId": book.spreadsheet_id,
        "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
        "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
        "responses": responses,
    }


def _append(book: FakeSpreadsheet, range_text: str, params: dict[str, str], payload: Json) -> Json:
    """Rows go after the last non-empty row; the grid grows to take them (both insert options)."""
    option = _input_option(params.get("valueInputOption"))
    target = parse_a1(book, range_text)
    tab = target.tab
    values = payload.get("values") or []
    start = tab.last_filled_row()
    width = max((len(row) for row in values), default=0)
    tab.resize(max(tab.rows, start + len(values)), max(tab.cols, target.c0 + width))
    book.check_cell_limit()
    anchor = A1(tab, start, start + len(values), target.c0, target.c0 + width, True)
    update = _write(book, anchor, values, option)
    return {"spreadsheetId": book.spreadsheet_id, "tableRange": target.shown, "updates": update}
