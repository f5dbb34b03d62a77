"""The report builder and the connections page in a real browser (system Chromium through
Playwright) against a sandbox server: simulated Facebook and an in-memory Google Sheets, real
jobs. Each test checks what lands in the spreadsheet, not just that a page said so.
"""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from marketing_etl.sandbox.config import SERVICE_ACCOUNT_EMAIL, UNSHARED_SPREADSHEET_ID
from marketing_etl.sandbox.demo_data import (
    FACEBOOK_ACCOUNTS,
    TIKTOK_ADVERTISER_ID,
    TIKTOK_STORE_ID,
    TIKTOK_STORE_NAME,
)
from marketing_etl.sandbox.magic import EXPIRED_TOKEN, EXPIRES_SOON_DAYS, EXPIRES_SOON_TOKEN
from tests.dashboard.support import chromium_path, dashboard_page, system_chromium
from tests.sandbox.support import DASH_AUTH, SandboxServer, serve_sandbox

with contextlib.suppress(ImportError):
    from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

WAIT_MS = 20_000
JOB_WAIT_MS = 60_000
TEMPLATE = "Account Daily Report"
FIELDS = ["account_name", "date_start", "spend", "impressions"]
ACCOUNT_NAMES = {name for _, name, _ in FACEBOOK_ACCOUNTS}
ACTION = {"X-Dashboard": "1"}
SHEETS_EPOCH = date(1899, 12, 30)
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    chromium_path()  # skip before starting anything when there is no browser
    with serve_sandbox(tmp_path_factory.mktemp("builder")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: SandboxServer) -> Iterator[Browser]:
    with system_chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, server: SandboxServer) -> Iterator[Page]:
    expect.set_options(timeout=WAIT_MS)
    with dashboard_page(browser, server.url, auth=DASH_AUTH) as opened:
        yield opened


@pytest.fixture(scope="module")
def connection(server: SandboxServer) -> dict[str, Any]:
    """A Facebook connection made through the API, for the builder tests."""
    response = server.http.post(
        "/api/dashboard/connections",
        json={"platform": "facebook", "name": "Builder FB", "access_token": "builder-token"},
        auth=DASH_AUTH,
        headers=ACTION,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def new_spreadsheet_id() -> str:
    return f"builder-{uuid.uuid4().hex[:20]}"


def last_7_days() -> list[str]:
    today = date.today()
    return [(today - timedelta(days=n)).isoformat() for n in range(7, 0, -1)]


def sheet_date(serial: Any) -> str:
    """A date cell as Sheets stores it (days since 1899-12-30), as YYYY-MM-DD."""
    return (SHEETS_EPOCH + timedelta(days=int(serial))).isoformat()


def open_builder(page: Page, query: str = "") -> None:
    page.goto(f"/dashboard/new{query}")
    expect(page.locator("#builder")).to_have_attribute("data-ready", "true")


def pick_accounts_and_fields(page: Page, connection_id: str) -> None:
    page.select_option("#connection_id", connection_id)
    page.fill("#account-search", "Demo Shop")
    for name in sorted(ACCOUNT_NAMES):
        page.locator("#account-list label", has_text=name).locator("input").check()
    expect(page.locator("#account-count")).to_contain_text("2 selected")
    page.select_option("#template_name", TEMPLATE)
    expect(page.locator("#template-level")).to_contain_text("account")
    page.click("#fields-clear")
    for field in FIELDS:
        page.fill("#field-search", field)
        page.locator(f'#field-groups input[value="{field}"]').check()
    page.fill("#field-search", "")
    expect(page.locator("#field-count")).to_contain_text(f"{len(FIELDS)} fields selected")


def finished_job(page: Page, server: SandboxServer) -> str:
    """The job whose page the browser landed on, once the page shows it finished."""
    page.wait_for_url(re.compile(r"/dashboard/jobs/[^/]+$"), timeout=WAIT_MS)
    job_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#job-status")).to_have_text("SUCCESS", timeout=JOB_WAIT_MS)
    return job_id


def assert_tab(server: SandboxServer, spreadsheet_id: str, tab: str) -> list[list[Any]]:
    values = server.table(spreadsheet_id, tab)
    assert values[0] == FIELDS
    rows = values[1:]
    assert {row[0] for row in rows} == ACCOUNT_NAMES
    assert sorted({sheet_date(row[1]) for row in rows}) == last_7_days()
    assert len(rows) == len(ACCOUNT_NAMES) * 7
    spend = [float(row[2]) for row in rows]
    assert all(value >= 0 for value in spend) and sum(spend) > 0
    assert all(float(row[3]) == int(float(row[3])) for row in rows)
    return values


def test_connection_is_saved_once_and_shows_its_expiry(page: Page) -> None:
    page.goto("/dashboard/connections")
    page.select_option("#platform", "facebook")
    page.fill("#name", "Agency BM")
    page.fill("#access_token", EXPIRES_SOON_TOKEN)
    page.click("#save-connection")
    row = page.locator("#connections-table tbody tr", has_text="Agency BM")
    expect(row).to_be_visible()
    expect(row.locator("td.expiry")).to_have_text(f"expires in {EXPIRES_SOON_DAYS} days")
    expect(page.locator("#connections-result")).to_contain_text("will not be shown again")
    assert page.input_value("#access_token") == ""
    assert EXPIRES_SOON_TOKEN not in page.content()
    row.get_by_role("button", name="Check Agency BM now").click()
    expect(page.locator("#connections-result")).to_have_text("Checked Agency BM.")
    expect(row.locator("td").nth(5)).to_contain_text("OK")

    page.fill("#name", "Refused")
    page.fill("#access_token", EXPIRED_TOKEN)
    page.click("#save-connection")
    expect(page.locator("#access_token-error")).to_be_visible()
    expect(page.locator("#access_token")).to_have_attribute("aria-invalid", "true")

    delete = row.get_by_role("button", name="Delete Agency BM")
    delete.click()
    expect(delete).to_have_text("Click again to delete")
    delete.click()
    expect(row).to_have_count(0)


def test_builder_runs_two_accounts_into_a_tab(
    page: Page, server: SandboxServer, connection: dict[str, Any]
) -> None:
    spreadsheet_id = new_spreadsheet_id()
    open_builder(page)
    pick_accounts_and_fields(page, connection["connection_id"])
    page.select_option("#date-preset", "last_7_days")
    page.fill("#spreadsheet_id", f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit#gid=0")
    expect(page.locator("#spreadsheet-hint")).to_have_text(f"Spreadsheet id: {spreadsheet_id}")
    page.fill("#sheet_name", "Builder daily")
    page.fill("#user_email", "marketer@example.com")
    page.click("#submit")
    finished_job(page, server)
    assert_tab(server, spreadsheet_id, "Builder daily")


def test_unshared_spreadsheet_says_whom_to_share_with(page: Page) -> None:
    open_builder(page)
    page.fill("#spreadsheet_id", UNSHARED_SPREADSHEET_ID)
    page.click("#check-access")
    expect(page.locator("#access-message")).to_contain_text(
        f"Share it with {SERVICE_ACCOUNT_EMAIL} as Editor"
    )
    expect(page.locator("#share-email")).to_have_value(SERVICE_ACCOUNT_EMAIL)
    page.click("#copy-email")
    expect(page.locator("#copy-state")).not_to_be_empty()


def test_validation_errors_sit_next_to_their_fields(page: Page, connection: dict[str, Any]) -> None:
    open_builder(page)
    page.click("#submit")
    expect(page.locator("#accounts-error")).to_contain_text("at least one ad account")
    expect(page.locator("#sheet_name-error")).to_be_visible()
    pick_accounts_and_fields(page, connection["connection_id"])
    page.fill("#spreadsheet_id", "not a sheet id!")
    page.fill("#sheet_name", "Bad id")
    page.fill("#user_email", "marketer@example.com")
    page.click("#submit")
    expect(page.locator("#spreadsheet_id-error")).to_contain_text("spreadsheet_id")
    expect(page.locator("#spreadsheet_id")).to_have_attribute("aria-invalid", "true")


def test_run_again_with_changes(page: Page, server: SandboxServer, connection: dict[str, Any]) -> None:
    spreadsheet_id = new_spreadsheet_id()
    days = last_7_days()
    body = {
        "task_type": "facebook_daily",
        "job_id": f"copy-src-{uuid.uuid4().hex[:8]}",
        "connection_id": connection["connection_id"],
        "start_date": days[0],
        "end_date": days[-1],
        "user_email": "marketer@example.com",
        "spreadsheet_id": spreadsheet_id,
        "sheet_name": "Original",
        "template_name": TEMPLATE,
        "selected_fields": FIELDS,
        "accounts": [{"id": f"act_{number}", "name": name} for number, name, _ in FACEBOOK_ACCOUNTS],
    }
    answer = server.http.post("/api/dashboard/jobs", json=body, auth=DASH_AUTH, headers=ACTION)
    assert answer.status_code == 200, answer.text
    assert server.wait(body["job_id"])["status"] == "SUCCESS"

    page.goto(f"/dashboard/jobs/{body['job_id']}")
    page.click("#copy-job")
    expect(page.locator("#builder")).to_have_attribute("data-ready", "true")
    expect(page.locator("#account-count")).to_contain_text("2 selected")
    expect(page.locator("#template_name")).to_have_value(TEMPLATE)
    expect(page.locator("#field-count")).to_contain_text(", ".join(FIELDS))
    expect(page.locator("#spreadsheet_id")).to_have_value(spreadsheet_id)
    expect(page.locator("#sheet_name")).to_have_value("Original")
    expect(page.locator("#start_date")).to_have_value(days[0])
    expect(page.locator("#end_date")).to_have_value(days[-1])
    expect(page.locator("#connection_id")).to_have_value(connection["connection_id"])
    page.fill("#sheet_name", "Changed copy")
    page.click("#submit")
    finished_job(page, server)
    assert assert_tab(server, spreadsheet_id, "Changed copy") == server.table(spreadsheet_id, "Original")


def test_builder_fits_a_phone_screen(page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    open_builder(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the builder scrolls sideways on a phone ({width} px)"
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.tagName")
    assert focused in {"A", "INPUT", "SELECT", "BUTTON"}


def builder_screenshot(page: Page, connection: dict[str, Any], images: Path) -> None:
    open_builder(page)
    pick_accounts_and_fields(page, connection["connection_id"])
    page.fill("#spreadsheet_id", UNSHARED_SPREADSHEET_ID)
    page.click("#check-access")
    expect(page.locator("#share-row")).to_be_visible()
    page.fill("#sheet_name", "Daily spend")
    page.screenshot(path=str(images / "builder.png"), full_page=True)


def connections_screenshot(page: Page, images: Path) -> None:
    body = {"platform": "facebook", "name": "Agency BM", "access_token": EXPIRES_SOON_TOKEN}
    assert page.request.post("/api/dashboard/connections", data=body, headers=ACTION).status == 201
    page.goto("/dashboard/connections")
    expect(page.locator("#connections-table tbody tr").first).to_be_visible()
    page.screenshot(path=str(images / "connections.png"), full_page=True)


def test_screenshots_for_the_readme(page: Page, connection: dict[str, Any], tmp_path: Path) -> None:
    """Draws the README's tour from a sandbox server; UPDATE_SCREENSHOTS=1 saves to docs/images."""
    images = DOCS_IMAGES if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    builder_screenshot(page, connection, images)
    connections_screenshot(page, images)
    assert (images / "builder.png").stat().st_size > 10_000


def test_tiktok_advertiser_and_store(page: Page, server: SandboxServer) -> None:
    spreadsheet_id = new_spreadsheet_id()
    page.goto("/dashboard/connections")
    page.select_option("#platform", "tiktok")
    page.fill("#name", "Builder TikTok")
    page.fill("#access_token", "builder-tiktok-token")
    page.click("#save-connection")
    expect(page.locator("#connections-table tbody tr", has_text="Builder TikTok")).to_be_visible()

    open_builder(page)
    page.check('input[name="platform"][value="tiktok"]')
    expect(page.locator("#connection_id option", has_text="Builder TikTok")).to_have_count(1)
    expect(page.locator("#advertiser_id")).to_have_value(TIKTOK_ADVERTISER_ID)
    expect(page.locator("#store_id")).to_have_value(TIKTOK_STORE_ID)
    page.select_option("#tiktok-task", "product")
    page.select_option("#date-preset", "yesterday")
    page.fill("#spreadsheet_id", spreadsheet_id)
    page.fill("#sheet_name", "GMV products")
    page.fill("#user_email", "marketer@example.com")
    page.click("#submit")
    finished_job(page, server)
    header, *rows = server.table(spreadsheet_id, "GMV products")
    assert rows
    column = {name: index for index, name in enumerate(header)}
    assert {str(row[column["advertiser_id"]]) for row in rows} == {TIKTOK_ADVERTISER_ID}
    assert {row[column["store_name"]] for row in rows} == {TIKTOK_STORE_NAME}
    assert sum(float(row[column["gross_revenue"]]) for row in rows) > 0


def test_schedule_a_daily_report(page: Page, server: SandboxServer, connection: dict[str, Any]) -> None:
    open_builder(page)
    pick_accounts_and_fields(page, connection["connection_id"])
    page.select_option("#date-preset", "yesterday")
    page.fill("#spreadsheet_id", new_spreadsheet_id())
    page.fill("#sheet_name", "Every morning")
    page.fill("#user_email", "marketer@example.com")
    page.check('input[name="mode"][value="schedule"]')
    page.fill("#name", "Builder daily spend")
    page.select_option("#schedule-kind", "daily")
    page.fill("#schedule-time", "06:30")
    page.fill("#timezone", "Asia/Ho_Chi_Minh")
    expect(page.locator("#schedule-preview")).to_contain_text("Next runs")
    page.click("#submit")
    expect(page.locator("#submit-state")).to_contain_text("saved")
    schedule_id = page.url.split("schedule=", 1)[1]
    saved = server.http.get(f"/api/dashboard/schedules/{schedule_id}", auth=DASH_AUTH).json()
    assert (saved["cron"], saved["timezone"], saved["date_range"]) == (
        "30 6 * * *",
        "Asia/Ho_Chi_Minh",
        "yesterday",
    )
    assert [a["name"] for a in saved["job"]["accounts"]] == sorted(ACCOUNT_NAMES)
    assert saved["job"]["connection_id"] == connection["connection_id"]
    assert saved["job"]["selected_fields"] == FIELDS

    page.reload()  # the address is now the schedule's edit page
    expect(page.locator("#builder")).to_have_attribute("data-ready", "true")
    expect(page.locator("#name")).to_have_value("Builder daily spend")
    expect(page.locator("#schedule-time")).to_have_value("06:30")
    expect(page.locator("#account-count")).to_contain_text("2 selected")
    expect(page.locator("#submit")).to_have_text("Save schedule")
    page.fill("#schedule-time", "07:00")
    page.click("#submit")
    expect(page.locator("#submit-state")).to_contain_text("saved")
    edited = server.http.get(f"/api/dashboard/schedules/{schedule_id}", auth=DASH_AUTH).json()
    assert edited["cron"] == "0 7 * * *"
