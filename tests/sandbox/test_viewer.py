"""The sheet viewer: tabs and the formatted table (escaped), the XLSX download, the currency
config tab, and the dashboard's sandbox banner."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from marketing_etl.transforms.config_tab import TAB_TITLE
from tests.sandbox.support import DASH_AUTH, SandboxServer, facebook_body, tiktok_body

XSS = "<script>alert('x')</script>"
TEMPLATE = "Campaign Overview Report"


@pytest.fixture(scope="module")
def book(server: SandboxServer) -> str:
    """One spreadsheet with a Facebook tab named like an attack and a TikTok product tab."""
    server.create(facebook_body("viewer-fb", TEMPLATE, spreadsheet_id="viewer", sheet_name=XSS))
    server.create(tiktok_body("viewer-tt", "product", spreadsheet_id="viewer", sheet_name="Products"))
    for job_id in ("viewer-fb", "viewer-tt"):
        job = server.wait(job_id)
        assert job["status"] == "SUCCESS", server.logs(job_id)
    return "viewer"


def test_the_table_is_formatted_and_escaped(server: SandboxServer, book: str) -> None:
    page = server.http.get(f"/sandbox/sheets/{book}", params={"tab": XSS})
    assert page.status_code == 200
    assert "<script" not in page.text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page.text
    assert "<td class='bold'>campaign_name</td>" in page.text
    spend = server.table(book, XSS)[1][server.table(book, XSS)[0].index("spend")]
    assert f"<td class='num'>{spend:,.2f}</td>" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_pictures_show_as_links(server: SandboxServer, book: str) -> None:
    page = server.http.get(f"/sandbox/sheets/{book}", params={"tab": "Products"}).text
    assert "<a href='https://img.example/products/" in page


def test_xlsx_has_every_tab_with_its_values(server: SandboxServer, book: str) -> None:
    response = server.http.get(f"/sandbox/sheets/{book}/download.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.content))
    # The two jobs ran at the same time: either may have added its tab first.
    assert workbook.sheetnames[0] == "Sheet1"
    assert sorted(workbook.sheetnames[1:]) == ["<script>alert('x')<_script>", "Products"]
    sheet = workbook["Products"]
    expected = server.table(book, "Products")
    assert [cell.value for cell in sheet[1]] == expected[0]
    assert sheet["A1"].font.b
    assert sheet.max_row == len(expected)


def test_the_config_tab_multiplies_money(server: SandboxServer, book: str) -> None:
    assert server.http.post(f"/sandbox/sheets/{book}/config").status_code == 303
    form = server.http.get(f"/sandbox/sheets/{book}", params={"tab": TAB_TITLE}).text
    assert "value='act_123456789'" in form and "value='inactive'" in form
    edited = {"r0c0": "Account ID", "r0c1": "Exchange Rate (Multiplier)", "r0c2": "Status"}
    edited |= {"r1c0": "act_123456789", "r1c1": "1000", "r1c2": "active"}
    assert server.http.post(f"/sandbox/sheets/{book}/config", data=edited).status_code == 303
    body = facebook_body("viewer-config", TEMPLATE, spreadsheet_id=book, sheet_name="x1000")
    assert server.wait(server.create(body))["status"] == "SUCCESS"
    before, after = server.table(book, XSS), server.table(book, "x1000")
    spend = before[0].index("spend")
    us = [row[spend] for row in before[1:] if row[before[0].index("account_id")] == "act_123456789"]
    us_after = [row[spend] for row in after[1:] if row[after[0].index("account_id")] == "act_123456789"]
    assert us_after == pytest.approx([value * 1000 for value in us])


def test_an_unknown_spreadsheet_says_how_it_comes_to_exist(server: SandboxServer) -> None:
    page = server.http.get("/sandbox/sheets/" + quote("<b>nope", safe=""))
    assert page.status_code == 404
    assert "created when a job" in page.text and "<b>" not in page.text


def test_the_index_lists_spreadsheets_and_magic_tokens(server: SandboxServer, book: str) -> None:
    page = server.http.get("/sandbox/", follow_redirects=True).text
    assert f"/sandbox/sheets/{book}'" in page
    assert "SANDBOX_THROTTLED" in page


def test_the_dashboard_knows_it_is_a_sandbox(server: SandboxServer) -> None:
    assert server.http.get("/api/dashboard/server", auth=DASH_AUTH).json() == {
        "sandbox": True,
        "sandbox_sheets_url": "/sandbox/sheets",
        "warnings": [],
    }
    page = server.http.get("/dashboard", auth=DASH_AUTH).text
    assert 'id="sandbox-banner"' in page and "Sandbox — simulated data." in page
