"""The dashboard in a real browser (system Chromium through Playwright): a job page lists its
notifications with each attempt and the channel's answer, and the overview shows a broken
channel's banner."""

from __future__ import annotations

import contextlib
from pathlib import Path

from marketing_etl.models import JobStatus
from marketing_etl.notifications.delivery import Deliverer
from marketing_etl.notifications.events import on_job_finished
from tests.api.helpers import make_settings
from tests.dashboard.support import chromium_path, dashboard_page, seed_job, serve, system_chromium
from tests.notifications.receivers import http_receiver
from tests.notifications.support import notify_settings

with contextlib.suppress(ImportError):
    from playwright.sync_api import expect

WAIT_MS = 15_000
BAD = "rgb(214, 69, 69)"  # --bad in dashboard.css


def test_job_page_lists_attempts_and_overview_shows_the_broken_channel(tmp_path: Path) -> None:
    chromium_path()  # skips (or fails under REQUIRE_SERVICES=1) before anything starts
    with http_receiver([404]) as http:
        settings = make_settings(tmp_path, **notify_settings(http, notify_slack_webhook_url=None))
        with serve(settings) as server:
            services = server.services
            seed_job(services, "notify-job", JobStatus.FAILED, 1.0)
            on_job_finished(services.store, services.settings, services.vault, "notify-job")
            sender = Deliverer(services.store, services.settings, services.vault)
            assert sender.deliver_due() == 1
            sender.close()
            with system_chromium() as browser, dashboard_page(browser, server.url) as page:
                expect.set_options(timeout=WAIT_MS)
                page.goto("/dashboard/jobs/notify-job")
                table = page.locator("#notifications-table")
                expect(table).to_contain_text("Job notify-job failed")
                expect(table).to_contain_text("webhook")
                expect(table).to_contain_text("⚠ failed")
                expect(table).to_contain_text("failed: HTTP 404: receiver says no")
                # Styled like the other panels by dashboard.css (no inline styles: the CSP forbids them).
                expect(page.locator("#notifications-panel")).to_have_css("border-radius", "8px")
                expect(table.locator("td.notify-state.notify-failed")).to_have_css("color", BAD)
                expect(table.locator("ol.attempts li.attempt-failed").first).to_have_css("color", BAD)
                expect(table.locator("ol.attempts").first).to_have_css("font-size", "12px")
                page.goto("/dashboard")
                banner = page.locator("#notify-broken")
                expect(banner).to_be_visible()
                expect(banner).to_contain_text('Notification channel "webhook" is broken')
