"""The fake Sheets API itself behaves like Google's where the writer relies on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from google.oauth2 import service_account

from marketing_etl.destinations.sheets.auth import HttpxAuthRequest
from marketing_etl.sandbox.fakes.google_grid import FakeTab, Formula
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from tests.destinations.conftest import EMAIL, SID


def _client(google: FakeGoogle, key: Path) -> httpx.Client:
    info = json.loads(key.read_text())
    creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        info, scopes=["https://www.googleapis.com/auth/spreadsheets"]
    )
    with httpx.Client() as token_http:
        creds.refresh(HttpxAuthRequest(token_http))
    return httpx.Client(
        base_url=f"{google.base_url}/v4/spreadsheets/{SID}",
        headers={"Authorization": f"Bearer {creds.token}"},
    )


def _error(response: httpx.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def test_grid_limits_cell_limit_sharing_and_quota(
    google_server: tuple[FakeGoogle, Path], google: FakeGoogle
) -> None:
    _, key = google_server
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"T": (3, 2)})
    with _client(google, key) as http:
        outside = http.put("/values/%27T%27%21A3%3AB4", params={"valueInputOption": "RAW"},
                           json={"values": [[1, 2], [3, 4]]})
        assert outside.status_code == 400
        assert _error(outside)["message"] == (
            "Range (T!A3:B4) exceeds grid limits. Max rows: 3, max columns: 2"
        )
        no_option = http.put("/values/%27T%27%21A1", json={"values": [[1]]})
        assert "'valueInputOption' is required" in _error(no_option)["message"]
        grow = {"updateSheetProperties": {
            "properties": {"sheetId": 0, "gridProperties": {"rowCount": 5_000_001}},
            "fields": "gridProperties.rowCount"}}
        too_big = http.post(f"{google.base_url}/v4/spreadsheets/{SID}:batchUpdate", json={"requests": [grow]})
        assert too_big.status_code == 400
        assert "above the limit of 10000000 cells" in _error(too_big)["message"]
        assert book.tab("T").rows == 3  # atomic: nothing applied
        appended = http.post("/values/%27T%27:append", params={"valueInputOption": "RAW"},
                             json={"values": [["a"], ["b"], ["c"], ["d"]]})
        assert appended.status_code == 200
        assert book.tab("T").values() == [["a"], ["b"], ["c"], ["d"]] and book.tab("T").rows == 4
        cleared = http.post("/values/%27T%27%21A1%3AA2:clear", json={})
        assert cleared.status_code == 200 and book.tab("T").values() == [[], [], ["c"], ["d"]]

        book.editors.clear()
        denied = http.get(f"{google.base_url}/v4/spreadsheets/{SID}", params={"fields": "sheets.properties"})
        assert (denied.status_code, _error(denied)["message"]) == (403, "The caller does not have permission")

        book.editors.add(EMAIL)
        google.quota_per_minute = 2
        google.reset_quota()
        statuses = [http.get("/values/%27T%27").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert http.put("/values/%27T%27%21A1", params={"valueInputOption": "RAW"},
                        json={"values": [[1]]}).status_code == 200  # writes count apart from reads


def test_token_endpoint_checks_the_signature(google_server: tuple[FakeGoogle, Path], google: FakeGoogle,
                                             tmp_path: Path) -> None:
    _, key = google_server
    google.add_spreadsheet(SID, editors=[EMAIL])
    with _client(google, key) as http:
        http.headers["Authorization"] = "Bearer ya29.not-issued"
        assert http.get(f"{google.base_url}/v4/spreadsheets/{SID}").status_code == 401
    forged = json.loads(key.read_text())
    other = google.key_file(tmp_path, "other@fake-project.iam.gserviceaccount.com")
    forged["private_key"] = json.loads(other.read_text())["private_key"]
    creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
        forged, scopes=["https://www.googleapis.com/auth/spreadsheets"]
    )
    with httpx.Client() as http:
        try:
            creds.refresh(HttpxAuthRequest(http))
        except Exception as exc:
            assert "Invalid JWT Signature" in str(exc)
        else:
            raise AssertionError("a key the server does not know must be refused")


def test_a_tab_keeps_each_cells_type_null_and_empty_as_sheets_does() -> None:
    tab = FakeTab(sheet_id=1, title="T", rows=5, cols=4)
    tab.put_row(0, 0, [1, 1.5, True, Formula("=A1")])
    tab.put_row(0, 1, [None, "", None])  # null leaves a cell, "" clears it
    tab.put_row(2, 1, ["x"])
    assert tab.values() == [[1, 1.5, "", Formula("=A1")], [], ["", "x"]]
    assert [type(tab.cell(0, c)) for c in range(4)] == [int, float, str, Formula]
    assert tab.last_filled_row() == 3
    tab.clear(2, 3, 0, 4, formats=False)  # the row's only value: the row is gone
    assert tab.last_filled_row() == 1
    tab.resize(None, 2)
    assert tab.values() == [[1, 1.5]]
