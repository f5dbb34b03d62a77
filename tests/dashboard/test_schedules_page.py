"""The schedules page in a real browser (system Chromium through Playwright) against a real
server whose jobs run the scripted test source: a schedule made through the API is listed with
its plain-language timing and next run, paused, run now (its job finishes) and deleted.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.api.helpers import make_settings
from tests.dashboard.support import XSS, Server, chromium_path, dashboard_page, serve, system_chromium
from tests.schedules.support import job_body

with contextlib.suppress(ImportError):
    from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

WAIT_MS = 15_000
PAGE = "/dashboard/schedules"
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
MAX_TABS = 40


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    chromium_path()  # skip before starting anything when there is no browser
    settings = make_settings(tmp_path_factory.mktemp("schedules-page"), embedded_scheduler=False)
    with serve(settings) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Browser]:
    with system_chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    expect.set_options(timeout=WAIT_MS)
    with dashboard_page(browser, server.url, height=900) as opened:
        yield opened


def make_schedule(server: Server, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "GMV daily",
        "cron": "0 6 * * *",
        "timezone": "Asia/Ho_Chi_Minh",
        "date_range": "yesterday",
        "job": job_body(),
    }
    body.update(overrides)
    response = server.http.post("/schedules", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def row(page: Page, schedule_id: str) -> Locator:
    return page.locator(f'#schedules-body tr[data-schedule-id="{schedule_id}"]')


def cell(page: Page, schedule_id: str, label: str) -> Locator:
    return row(page, schedule_id).locator(f'td[data-label="{label}"]')


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until `selector` has the focus, as a keyboard user would."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_schedule_is_listed_paused_run_now_and_deleted(page: Page, server: Server) -> None:
    schedule = make_schedule(server, name=f"GMV {XSS}")
    schedule_id = schedule["schedule_id"]
    page.goto(PAGE)
    expect(row(page, schedule_id).locator("th")).to_have_text(f"GMV {XSS}")  # literally, as text
    expect(cell(page, schedule_id, "Runs")).to_have_text("every day at 06:00 Asia/Ho_Chi_Minh")
    local = schedule["next_run_local"]
    expect(cell(page, schedule_id, "Next run")).to_have_text(f"{local[:10]} 06:00Asia/Ho_Chi_Minh")
    expect(cell(page, schedule_id, "Last job")).to_have_text("none yet")
    expect(cell(page, schedule_id, "State")).to_have_text("Active")

    row(page, schedule_id).get_by_role("button", name=re.compile("^Pause")).click()
    expect(cell(page, schedule_id, "State")).to_have_text("Paused")
    expect(cell(page, schedule_id, "Next run")).to_have_text("\N{EN DASH} (paused)")
    stored = server.services.store.schedules.get(schedule_id)
    assert stored is not None and (stored.enabled, stored.next_run_at) == (False, None)
    page.reload()
    expect(cell(page, schedule_id, "State")).to_have_text("Paused")

    row(page, schedule_id).get_by_role("button", name=re.compile("^Run now")).click()
    link = page.locator("#new-job-link")
    expect(link).to_have_text(re.compile(rf"^{re.escape(schedule_id)}\.\d{{8}}T\d{{4}}Z$"))
    job_id = link.inner_text()
    assert server.wait(job_id)["status"] == "SUCCESS"
    expect(link).to_have_attribute("href", f"/dashboard/jobs/{job_id}")
    link.click()
    expect(page).to_have_url(re.compile(f"/dashboard/jobs/{re.escape(job_id)}$"))
    expect(page.locator("#view-job")).to_contain_text("SUCCESS")
    page.go_back()
    edit = row(page, schedule_id).get_by_role("link", name=re.compile("^Edit"))
    expect(edit).to_have_attribute("href", f"/dashboard/new?schedule={schedule_id}")

    row(page, schedule_id).get_by_role("button", name=re.compile("^Delete")).click()
    expect(row(page, schedule_id)).to_contain_text("Its past jobs stay.")
    assert server.services.store.schedules.get(schedule_id) is not None  # only asked so far
    row(page, schedule_id).get_by_role("button", name=re.compile("^Yes, delete")).click()
    expect(row(page, schedule_id)).to_have_count(0)
    assert server.services.store.schedules.get(schedule_id) is None
    assert server.services.store.get_job(job_id) is not None  # its jobs stay


def test_keyboard_alone_pauses_and_deletes(page: Page, server: Server) -> None:
    schedule_id = make_schedule(server, name="Keyboard weekly", cron="30 7 * * 1")["schedule_id"]
    page.goto(PAGE)
    expect(cell(page, schedule_id, "Runs")).to_have_text("every Monday at 07:30 Asia/Ho_Chi_Minh")
    button = f'[data-action="toggle"][data-id="{schedule_id}"]'
    tab_to(page, button)
    page.keyboard.press("Enter")
    expect(cell(page, schedule_id, "State")).to_have_text("Paused")
    expect(page.locator(button)).to_be_focused()  # the focus stays in place, now on Resume
    expect(page.locator(button)).to_have_text("Resume")

    page.keyboard.press("Tab")  # Run now
    page.keyboard.press("Tab")  # Edit
    page.keyboard.press("Tab")  # Delete
    page.keyboard.press("Enter")
    keep = page.locator(f'[data-action="cancel-delete"][data-id="{schedule_id}"]')
    expect(keep).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(f'[data-action="delete"][data-id="{schedule_id}"]')).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")  # from "Keep it" back to "Yes, delete"
    page.keyboard.press("Enter")
    expect(row(page, schedule_id)).to_have_count(0)
    assert server.services.store.schedules.get(schedule_id) is None


def test_phone_width_has_no_sideways_scrolling(page: Page, server: Server) -> None:
    long_name = "Very long schedule name for the TikTok product report of every shop " * 2
    schedule_id = make_schedule(server, name=long_name[:100], cron="0 6 * * 1-5")["schedule_id"]
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(PAGE)
    expect(cell(page, schedule_id, "Runs")).to_be_visible()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    # Each cell says what it is, since the header row is hidden at this width.
    label = cell(page, schedule_id, "Next run").evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Next run"'
    server.http.delete(f"/schedules/{schedule_id}")


def test_screenshot_for_the_readme(page: Page, server: Server, tmp_path: Path) -> None:
    """UPDATE_SCREENSHOTS=1 saves it to docs/images, as test_browser.py does for the others."""
    images = DOCS_IMAGES if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    made = [
        make_schedule(server, name="TikTok GMV daily"),
        make_schedule(server, name="Facebook spend, weekdays", cron="0 7 * * 1-5", timezone="Europe/Berlin"),
        make_schedule(server, name="Monthly summary", cron="0 6 1 * *", date_range="last_month"),
    ]
    server.http.post(f"/schedules/{made[2]['schedule_id']}/pause")
    job_id = server.http.post(f"/schedules/{made[0]['schedule_id']}/run-now").json()["job_id"]
    server.wait(job_id)
    page.goto(PAGE)
    last_job = cell(page, made[0]["schedule_id"], "Last job")
    expect(last_job.get_by_role("link", name=job_id)).to_have_attribute("href", f"/dashboard/jobs/{job_id}")
    expect(last_job.locator(".badge")).to_have_text("SUCCESS")
    page.locator(f'[data-action="run-now"][data-id="{made[1]["schedule_id"]}"]').click()
    expect(page.locator("#new-job-link")).to_be_visible()
    page.screenshot(path=str(images / "schedules.png"), full_page=True)
    assert (images / "schedules.png").stat().st_size > 10_000
    for schedule in made:
        server.http.delete(f"/schedules/{schedule['schedule_id']}")
