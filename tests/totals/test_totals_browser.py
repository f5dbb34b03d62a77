"""The job page's Totals check panel in a real browser (system Chromium through Playwright),
for a Facebook job whose account total differs from its rows (the fake's "mismatch" fixture)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from marketing_etl.api.app import create_app
from tests.dashboard.support import chromium_path, dashboard_page, system_chromium
from tests.facebook.conftest import Outcome
from tests.fakes.server import serve_app
from tests.totals.conftest import AUTH

with contextlib.suppress(ImportError):
    from playwright.sync_api import expect

WAIT_MS = 15_000


@pytest.fixture
def dashboard_url(mismatched: tuple[Outcome, str]) -> Iterator[str]:
    chromium_path()
    services = mismatched[0].services
    with serve_app(
        create_app(services.settings, services=services), lifespan="on", graceful_shutdown_s=1
    ) as url:
        yield url


def test_job_page_shows_the_panel_with_the_differing_total(
    dashboard_url: str, mismatched: tuple[Outcome, str]
) -> None:
    outcome, account = mismatched
    with system_chromium() as browser, dashboard_page(browser, dashboard_url, auth=AUTH) as page:
        page.goto(f"/dashboard/jobs/{outcome.job.job_id}")

        panel = page.locator("#totals-panel")
        expect(panel).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("#totals-outcome")).to_have_text("⚠ some totals differ")
        headers = page.locator("#totals-table thead th")
        expect(headers).to_have_text(
            ["Account", "Metric", "Platform total", "Report total", "Difference", "Result"]
        )
        differing = page.locator("#totals-table tbody tr.totals-differs")
        expect(differing).to_have_count(1)
        expect(differing.locator("th")).to_have_text(account)
        expect(differing.locator("td").nth(0)).to_have_text("spend")
        expect(differing.locator("td").nth(4)).to_have_text("⚠ differs")
        rows = page.locator("#totals-table tbody tr")
        expect(rows).to_have_count(5 * len(outcome.job.spec.accounts))
        expect(page.locator("#totals-notes")).to_contain_text("Reach and frequency")

        page.goto("/dashboard")
        card = page.locator("#overview-cards .card", has_text="Totals mismatches")
        expect(card.locator(".value")).to_have_text("1")
