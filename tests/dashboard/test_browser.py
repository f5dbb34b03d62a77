"""The dashboard in a real browser (system Chromium through Playwright) against a real server
running real jobs with the scripted test source.

One server and one browser serve the whole module; each test gets a fresh logged-in page.
Waits are bounded (Playwright's expect), never sleeps, and no test depends on exact timings.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from marketing_etl.api import job_list
from marketing_etl.models import JobStatus, LogLine
from tests.api.helpers import DASH_AUTH, fb_body, make_settings, new_job_id, tt_body
from tests.dashboard.support import (
    XSS,
    Server,
    chromium_path,
    seed_demo,
    seed_job,
    serve,
    system_chromium,
)

# Without playwright, chromium_path() turns every test into a skip (a failure under REQUIRE_SERVICES=1).
with contextlib.suppress(ImportError):
    from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, Locator, Page, Request, Route

WAIT_MS = 15_000
DRAWN = re.compile(r"^[1-9]\d*$")  # a chart's canvas data-drawn: its number of points
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
SUMMARY = "/api/dashboard/summary"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    chromium_path()  # skip before starting anything when there is no browser
    settings = make_settings(tmp_path_factory.mktemp("dashboard"), max_concurrent_jobs=3)
    with serve(settings) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Browser]:
    with system_chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    expect.set_options(timeout=WAIT_MS)
    context = browser.new_context(
        base_url=server.url,
        http_credentials={"username": DASH_AUTH[0], "password": DASH_AUTH[1]},
        viewport={"width": 1400, "height": 1000},
    )
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    opened.on("dialog", on_dialog)
    try:
        yield opened
    finally:
        context.close()
    assert not errors, f"script errors on the page: {errors}"
    assert not dialogs, f"the page opened dialogs: {dialogs}"


def test_login_is_required(browser: Browser, server: Server) -> None:
    context = browser.new_context(base_url=server.url)
    try:
        # A headless browser cannot show the login prompt, so ask as the browser would, without it.
        response = context.request.get("/dashboard")
        assert response.status == 401
        assert response.headers["www-authenticate"].startswith("Basic")
    finally:
        context.close()


def test_overview_lists_jobs_and_draws_charts(page: Page, server: Server) -> None:
    job_id = server.create(fb_body(job_id=new_job_id("ov"), template_name="rows=3"))
    server.wait(job_id, "SUCCESS")
    page.goto("/dashboard")
    expect(page.locator(f'#jobs-table tr[data-job-id="{job_id}"]')).to_be_visible()
    expect(page.locator("#overview-cards .card").first).to_contain_text("Total jobs")
    for canvas in ("chart-status", "chart-task-type", "chart-top-users", "chart-api-calls"):
        expect(page.locator(f"#{canvas}")).to_have_attribute("data-drawn", DRAWN)


def test_filter_search_and_user_click(page: Page, server: Server) -> None:
    s = server.services
    seed_job(s, "flt-anna-fail", JobStatus.FAILED, 1, user_email="anna.filter@example.com")
    seed_job(
        s, "flt-anna-ok", JobStatus.SUCCESS, 1, user_email="anna.filter@example.com", sheet_name="Spring Sale"
    )
    seed_job(s, "flt-tiktok", JobStatus.SUCCESS, 1, task_type="product", user_email="tt.filter@example.com")
    page.goto("/dashboard")
    rows = page.locator("#jobs-table tbody tr")

    page.fill('#job-filters input[name="q"]', "spring sale")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-job-id", "flt-anna-ok")
    assert "q=spring+sale" in page.url  # the place survives a reload and a shared link

    page.fill('#job-filters input[name="q"]', "")
    page.select_option('#job-filters select[name="task_type"]', "product")
    expect(page.locator('#jobs-table tr[data-job-id="flt-tiktok"]')).to_be_visible()
    expect(page.locator('#jobs-table tr[data-job-id="flt-anna-ok"]')).to_have_count(0)
    page.select_option('#job-filters select[name="task_type"]', "")

    page.locator("#top-failed-users button", has_text="anna.filter@example.com").click()
    expect(page.locator("#user-filter")).to_contain_text("anna.filter@example.com")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-job-id", "flt-anna-fail")
    page.reload()
    expect(page.locator("#user-filter")).to_contain_text("anna.filter@example.com")
    expect(rows).to_have_count(1)


def test_platform_tabs(page: Page, server: Server) -> None:
    page.goto("/dashboard")
    page.click('.tabs a[data-tab="facebook"]')
    expect(page.locator("#view-facebook")).to_be_visible()
    expect(page.locator("#chart-fb-load")).to_have_attribute("data-drawn", "4")
    page.click('.tabs a[data-tab="tiktok"]')
    expect(page.locator("#chart-tt-types")).to_have_attribute("data-drawn", "2")
    quota_card = page.locator("#tiktok-cards .card", has_text="Report calls today (UTC)")
    expect(quota_card.locator(".value")).to_have_text(re.compile(r"^\d[\d,]* / 20,000$"))
    assert "tab=tiktok" in page.url


def test_user_strings_are_shown_as_text(page: Page, server: Server) -> None:
    job_id = server.create(
        tt_body(job_id=new_job_id("xss"), sheet_name=XSS, template_name=f"rows=1;log={XSS}")
    )
    server.wait(job_id, "SUCCESS")
    page.goto(f"/dashboard?q={job_id}")
    cell = page.locator(f'#jobs-table tr[data-job-id="{job_id}"] td.sheet')
    expect(cell).to_have_text(XSS)
    assert page.locator("#jobs-table img").count() == 0

    page.goto(f"/dashboard/jobs/{job_id}")
    expect(page.locator("#job-params")).to_contain_text(XSS)
    expect(page.locator("#job-log .msg", has_text=XSS).first).to_be_visible()
    assert page.locator("main img").count() == 0  # the page fixture also fails on any alert()


def test_job_detail_live_log_charts_and_cancel(page: Page, server: Server) -> None:
    job_id = server.create(
        fb_body(job_id=new_job_id("live"), template_name="rows=400;delay_ms=100;log=fetching")
    )
    server.wait(job_id, "RUNNING")
    page.goto(f"/dashboard/jobs/{job_id}")
    expect(page.locator("#job-id")).to_have_text(job_id)
    expect(page.locator("#job-status")).to_have_text("RUNNING")
    expect(page.locator("#chart-usage-app")).to_have_attribute("data-drawn", DRAWN)
    expect(page.locator("#job-accounts")).to_be_visible()

    log_lines = page.locator("#job-log .line")
    expect(log_lines.first).to_be_visible()
    shown = log_lines.count()
    # The source keeps writing; the new line must arrive without a reload.
    server.services.store.append_logs(
        [LogLine(job_id=job_id, message="a line written while the page was open")]
    )
    expect(page.locator("#job-log .msg", has_text="a line written while the page was open")).to_be_visible()
    assert log_lines.count() > shown

    page.click("#cancel-job")
    expect(page.locator("#job-status")).to_have_text("CANCELLED")
    expect(page.locator("#retry-job")).to_be_visible()
    expect(page.locator("#cancel-job")).to_be_hidden()
    expect(page.locator("#log-state")).to_have_text("(complete)")
    assert server.job(job_id)["status"] == "CANCELLED"


def test_retry_a_failed_job_asks_for_a_deleted_token(page: Page, server: Server) -> None:
    job_id = server.create(fb_body(job_id=new_job_id("retry"), template_name="rows=2;fail=user"))
    server.wait(job_id, "FAILED")
    server.services.store.delete_token(job_id)
    page.goto(f"/dashboard/jobs/{job_id}")
    expect(page.locator("#job-status")).to_have_text("FAILED")
    page.click("#retry-job")
    token_form = page.locator("#retry-token")
    expect(token_form).to_be_visible()
    token_form.locator('input[name="access_token"]').fill("EAAB-a-fresh-token")
    token_form.locator('button[type="submit"]').click()
    expect(page.locator("#job-attempt")).to_have_text("attempt 2")
    expect(page.locator("#job-log .msg", has_text="Retry requested: attempt 2")).to_be_visible()
    expect(page.locator("#job-status")).to_have_text("FAILED")  # the scripted source refuses again
    assert server.job(job_id)["attempt"] == 2


def test_retry_of_a_job_by_saved_connection_asks_for_no_token(page: Page, server: Server) -> None:
    job_id = new_job_id("by-connection")
    seed_job(server.services, job_id, JobStatus.FAILED, 0.5, connection_id="a-saved-connection")
    page.goto(f"/dashboard/jobs/{job_id}")
    expect(page.locator("#job-status")).to_have_text("FAILED")
    page.click("#retry-job")
    expect(page.locator("#job-attempt")).to_have_text("attempt 2")
    expect(page.locator("#retry-token")).to_be_hidden()
    assert server.job(job_id)["attempt"] == 2


def test_screenshots_for_the_readme(page: Page, server: Server, tmp_path: Path) -> None:
    """Draws the README's pictures from a real run; UPDATE_SCREENSHOTS=1 saves them to docs/images."""
    images = DOCS_IMAGES if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    job_id = seed_demo(server)
    page.goto("/dashboard")
    expect(page.locator("#chart-api-calls")).to_have_attribute("data-drawn", DRAWN)
    expect(page.locator(f'#jobs-table tr[data-job-id="{job_id}"]')).to_be_visible()
    page.set_viewport_size({"width": 1400, "height": 1250})
    page.screenshot(path=str(images / "dashboard-overview.png"))
    page.goto(f"/dashboard/jobs/{job_id}")
    expect(page.locator("#chart-usage-account")).to_have_attribute("data-drawn", DRAWN)
    expect(page.locator("#log-state")).to_have_text("(complete)")
    page.screenshot(path=str(images / "dashboard-job-detail.png"), full_page=True)
    assert (images / "dashboard-job-detail.png").stat().st_size > 10_000


class InFlight:
    """The dashboard API requests a page has sent, and the most ever open at once per path."""

    def __init__(self, page: Page) -> None:
        self.sent: Counter[str] = Counter()
        self.open: Counter[str] = Counter()
        self.most_open: Counter[str] = Counter()
        page.on("request", self._sent)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _sent(self, request: Request) -> None:
        path = urlsplit(request.url).path
        if path.startswith("/api/dashboard"):
            self.sent[path] += 1
            self.open[path] += 1
            self.most_open[path] = max(self.most_open[path], self.open[path])

    def _ended(self, request: Request) -> None:
        path = urlsplit(request.url).path
        if path.startswith("/api/dashboard"):
            self.open[path] -= 1


def _is_summary(url: str) -> bool:
    return urlsplit(url).path == SUMMARY


def test_a_slow_refresh_shows_a_spinner_and_never_piles_up(page: Page, server: Server) -> None:
    """The overview refreshes every second here; one refresh's answer is held back while ticks
    pass and Refresh is clicked twice: one request at a time, a spinner while waiting, the data
    drawn when the answer comes, and the clicks honoured once after it."""
    requests = InFlight(page)
    held: list[Route] = []
    holding = False

    def hold(route: Route) -> None:
        if holding:
            held.append(route)
        else:
            route.continue_()

    page.route(_is_summary, hold)
    page.goto("/dashboard?refresh_s=1")
    expect(page.locator("#refresh-every")).to_have_text("1 s")
    expect(page.locator("#overview-cards .card").first).to_contain_text("Total jobs")
    with page.expect_response(lambda response: _is_summary(response.url)):
        pass  # a tick refreshes by itself

    holding = True
    with page.expect_request(lambda request: _is_summary(request.url)):
        pass
    expect(page.locator("#loading")).to_be_visible()
    expect(page.locator("#content")).to_have_attribute("aria-busy", "true")
    sent_while_held = requests.sent[SUMMARY]
    seed_job(server.services, new_job_id("slow"), JobStatus.SUCCESS, 0.1)
    total = server.http.get(SUMMARY).json()["jobs"]["total"]
    total_card = page.locator("#overview-cards .card .value").first
    page.click("#refresh")
    page.click("#refresh")
    page.wait_for_timeout(2500)  # two more ticks come and go
    assert len(held) == 1
    assert requests.sent[SUMMARY] == sent_while_held
    expect(page.locator("#loading")).to_be_visible()
    expect(total_card).not_to_have_text(f"{total:,}")  # drawn from the answer still held

    page.uncheck("#auto-refresh")  # from here on only the clicks ask
    holding = False
    held.pop().continue_()
    expect(total_card).to_have_text(f"{total:,}")
    expect(page.locator("#loading")).to_be_hidden()
    expect(page.locator("#content")).to_have_attribute("aria-busy", "false")
    page.wait_for_timeout(1500)
    assert requests.sent[SUMMARY] == sent_while_held + 1  # both clicks: one more refresh
    assert max(requests.most_open.values()) == 1, requests.most_open


def test_a_retiring_facebook_api_version_shows_a_banner(
    page: Page, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    page.goto("/dashboard")
    expect(page.locator("#overview-cards .card").first).to_contain_text("Total jobs")
    banner = page.locator("#platform-warnings")
    expect(banner).to_be_hidden()  # the default version has no end date yet
    monkeypatch.setattr(server.services.settings, "facebook_api_version", "v24.0")
    page.reload()
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("v24.0, which this server uses, stopped working on 2026-11-10")
    expect(banner).to_contain_text("FACEBOOK_API_VERSION is set to v27.0")


def test_a_failed_refresh_shows_the_error_and_no_spinner(page: Page, server: Server) -> None:
    page.route(_is_summary, lambda route: route.fulfill(status=503, json={"detail": "The database is busy"}))
    page.goto("/dashboard")
    expect(page.locator("#error")).to_have_text("Could not load the dashboard data: The database is busy")
    expect(page.locator("#content")).to_have_attribute("aria-busy", "false")
    expect(page.locator("#loading")).to_be_hidden()
    page.unroute(_is_summary)
    page.click("#refresh")
    expect(page.locator("#error")).to_be_hidden()


def test_jobs_table_pages_with_cursors(page: Page, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """Next / Previous send the answer's cursors (keyset pages), the page number follows, and a
    total past the server's counting cap reads "N+"."""
    for i in range(7):
        seed_job(server.services, f"pg-{i}", JobStatus.SUCCESS, 2 + i / 100, sheet_name="Paging sheet")
    page.goto("/dashboard?q=paging+sheet&page_size=3")
    rows, info = page.locator("#jobs-table tbody tr"), page.locator("#page-info")
    next_, prev = page.locator('.pager [data-page="next"]'), page.locator('.pager [data-page="prev"]')
    expect(info).to_have_text("Page 1 of 3 · 7 jobs")
    expect(prev).to_be_disabled()

    def turn(button: Locator) -> str:
        with page.expect_request(lambda r: urlsplit(r.url).path == "/api/dashboard") as request:
            button.click()
        return request.value.url

    assert "cursor=" in turn(next_)
    expect(info).to_have_text("Page 2 of 3 · 7 jobs")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-job-id", "pg-3")
    assert "page=2" in page.url  # a reload asks for the page by number
    turn(next_)
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-job-id", "pg-6")
    expect(next_).to_be_disabled()
    assert "cursor=" in turn(prev)
    expect(info).to_have_text("Page 2 of 3 · 7 jobs")
    expect(rows.first).to_have_attribute("data-job-id", "pg-3")
    turn(prev)
    expect(info).to_have_text("Page 1 of 3 · 7 jobs")
    expect(rows.first).to_have_attribute("data-job-id", "pg-0")
    expect(prev).to_be_disabled()

    monkeypatch.setattr(job_list, "TOTAL_CAP", 5)  # the server runs in this process
    page.reload()
    expect(info).to_have_text("Page 1 of 2+ · 5+ jobs")

