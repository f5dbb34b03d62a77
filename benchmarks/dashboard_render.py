"""How long the dashboard takes to draw its first view once its JSON has arrived, in Chromium.

The page marks `dashboard-first-render` (User Timing) when the overview is drawn; the render
time is from the last /api/dashboard* answer's responseEnd (Resource Timing) to that mark: the
JSON parsing, the cards, the charts and one page of the job table, without the server's time.
Uses the system Chromium (Debian package `chromium`) through Playwright's own driver, as the
browser tests do.
"""

from __future__ import annotations

import shutil

from playwright.sync_api import sync_playwright

from benchmarks.dashboard_timing import Timing
from tests.dashboard.support import CHROMIUM_ARGS

MARK = "dashboard-first-render"
RENDER_MS = """() => {
  const mark = performance.getEntriesByName("dashboard-first-render")[0].startTime;
  const answers = performance.getEntriesByType("resource")
    .filter((e) => new URL(e.name).pathname.startsWith("/api/dashboard") && e.responseEnd <= mark);
  return mark - Math.max(...answers.map((e) => e.responseEnd));
}"""
# Generous: the server's own time is not what is measured here, but a slow one must not fail it.
LOAD_TIMEOUT_MS = 600_000


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        raise SystemExit(
            "The first-render timing needs Chromium (Debian package chromium); or pass --no-browser."
        )
    return path


def first_render(url: str, auth: tuple[str, str], loads: int) -> Timing:
    """`loads` fresh loads of /dashboard (the default 7-day overview)."""
    durations_ms: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                base_url=url,
                http_credentials={"username": auth[0], "password": auth[1]},
                viewport={"width": 1400, "height": 1000},
                # The page's CSP forbids eval, which Playwright's wait_for_function polls with.
                bypass_csp=True,
            )
            page = context.new_page()
            for _ in range(loads):
                page.goto("/dashboard")
                page.wait_for_function(
                    f"performance.getEntriesByName('{MARK}').length > 0", timeout=LOAD_TIMEOUT_MS
                )
                durations_ms.append(float(page.evaluate(RENDER_MS)))
        finally:
            browser.close()
    return Timing("first render of /dashboard after its JSON (browser)", durations_ms)
