"""The dashboard's test bench: a real server (uvicorn on a loopback port, the real store and
LocalExecutor, the scripted test source), seeded jobs and API calls, and system Chromium.

Chromium is the Debian package `chromium`, driven by the `playwright` package's own driver;
nothing is downloaded. Without either one the browser tests skip with the reason (fail under
REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from marketing_etl.api.app import create_app
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import FINISHED_STATUSES, ApiCall, Job, JobStatus, LogLine
from marketing_etl.plugins import Plugins
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_services
from tests.api.helpers import DASH_AUTH, fb_body, hours_ago, tt_body
from tests.fakes.server import serve_app
from tests.plugins import register
from tests.services import need

with suppress(ImportError):  # chromium_path() reports a missing playwright
    from playwright.sync_api import sync_playwright

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
XSS = "<img src=x onerror=alert(1)>"


def chromium_path() -> str:
    """The system Chromium, or skip (fail under REQUIRE_SERVICES=1) with what to install."""
    path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    need(path is not None, "Chromium (Debian package chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        need(False, "the Python package playwright")
    assert path is not None
    return path


@contextmanager
def system_chromium() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright's own driver (nothing downloaded)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@contextmanager
def dashboard_page(
    browser: Browser,
    base_url: str,
    *,
    width: int = 1280,
    height: int = 1000,
    auth: tuple[str, str] = DASH_AUTH,
) -> Iterator[Page]:
    """A page logged in to the dashboard; the test fails on any script error the page raised."""
    context = browser.new_context(
        base_url=base_url,
        http_credentials={"username": auth[0], "password": auth[1]},
        viewport={"width": width, "height": height},
    )
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield opened
    finally:
        context.close()
    assert not errors, f"script errors on the page: {errors}"


@dataclass
class Server:
    url: str
    services: Services
    http: httpx.Client  # logged in to the dashboard

    def create(self, body: dict[str, Any]) -> str:
        response = self.http.post("/reports/create-job", json=body)
        assert response.status_code == 200, response.text
        return str(body["job_id"])

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.http.get(f"/reports/{job_id}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def wait(self, job_id: str, *statuses: str, timeout_s: float = 20.0) -> dict[str, Any]:
        wanted = statuses or FINISHED_STATUSES
        deadline = time.monotonic() + timeout_s
        while (job := self.job(job_id))["status"] not in wanted:
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} did not reach {wanted} in {timeout_s}s: {job}")
            time.sleep(0.05)
        return job


@contextmanager
def serve(settings: Settings) -> Iterator[Server]:
    """The whole app, lifespan included, on a free loopback port in a background thread."""
    plugins = Plugins()
    register(plugins)
    services = build_services(settings, plugins)
    app = create_app(settings, services=services)
    try:
        # Live-log streams stay open for seconds; a test run should not wait for them.
        with serve_app(app, lifespan="on", graceful_shutdown_s=1) as url, httpx.Client(
            base_url=url, auth=DASH_AUTH, timeout=10
        ) as http:
            yield Server(url, services, http)
    finally:
        services.close()


def seed_job(services: Services, job_id: str, status: JobStatus, age_h: float, **spec: Any) -> Job:
    """A job stored directly, already finished (or left RUNNING/QUEUED: never run)."""
    body = (tt_body if spec.get("task_type") in ("product", "creative") else fb_body)(job_id=job_id, **spec)
    job_spec = JobSpec.model_validate(body)
    created = hours_ago(age_h)
    finished = status in (JobStatus.SUCCESS, JobStatus.FAILED, JobStatus.CANCELLED)
    job = Job(
        job_id=job_id,
        spec=job_spec,
        fingerprint=job_spec.fingerprint(),
        status=status,
        created_at=created,
        started_at=created + timedelta(seconds=1),
        finished_at=created + timedelta(seconds=41) if finished else None,
        rows_written=120 if status is JobStatus.SUCCESS else 0,
        progress=100 if status is JobStatus.SUCCESS else 0,
        message=f"{status.value.title()} (seeded)",
        # Just queued as far as the re-send sweeper knows, so it never runs a seeded job.
        queued_at=datetime.now(UTC),
    )
    assert services.store.insert_job(job)
    return job


def fb_call(job_id: str, age_h: float, endpoint: str = "/act_1/insights", **usage: Any) -> ApiCall:
    return ApiCall(
        job_id=job_id,
        ts=hours_ago(age_h),
        platform="facebook",
        endpoint=endpoint,
        http_status=200,
        duration_ms=120.0,
        usage=usage,
    )


def tt_call(job_id: str, age_h: float, endpoint: str) -> ApiCall:
    return ApiCall(
        job_id=job_id,
        ts=hours_ago(age_h),
        platform="tiktok",
        endpoint=endpoint,
        http_status=200,
        duration_ms=80.0,
    )


DEMO_USERS = [
    "maria.nguyen@brand.example",
    "tom.berg@agency.example",
    "linh.tran@brand.example",
    "sam@shop.example",
]
DEMO_TEMPLATES = [
    "Ad Daily Report",
    "Campaign Overview Report",
    "AGE&GENDER breakdown",
    "Ad Set Daily Report",
]
DEMO_STATUSES = [JobStatus.SUCCESS] * 7 + [JobStatus.FAILED, JobStatus.SUCCESS, JobStatus.CANCELLED]


def seed_demo(server: Server) -> str:
    """A week of plausible jobs and API calls for the README's screenshots; returns the id of
    a finished Facebook job with a full log and two accounts' usage."""
    s = server.services
    for i in range(36):
        status = DEMO_STATUSES[i % len(DEMO_STATUSES)]
        user = DEMO_USERS[min(i % 7, 3)]
        if i % 4 == 3:
            tiktok_type = ("product", "creative")[(i // 4) % 2]
            seed_job(
                s,
                f"tt-demo-{i:03d}",
                status,
                i * 4.3,
                task_type=tiktok_type,
                user_email=user,
                template_name=None,
            )
        else:
            seed_job(
                s, f"fb-demo-{i:03d}", status, i * 4.3, user_email=user, template_name=DEMO_TEMPLATES[i % 4]
            )
    # Calls through the week, busier during the day, for the timeline.
    calls = [
        fb_call("fb-demo-000", h * 1.7, f"/act_{(1, 2)[h % 2]}/insights") for h in range(95) if h % 14 < 9
    ]
    calls += [tt_call("tt-demo-003", h * 2.9, "/gmv_max/report/get/") for h in range(57) if h % 8 < 5]
    calls += [tt_call("tt-demo-003", h * 6.5, "/gmv_max/campaign/get/") for h in range(25)]
    s.store.record_api_calls(calls)

    job = seed_job(
        s,
        "fb-weekly-spend-1104",
        JobStatus.SUCCESS,
        0.3,
        user_email=DEMO_USERS[0],
        template_name="Ad Daily Report",
        sheet_name="Weekly spend (all markets)",
        accounts=[{"id": "act_339410370", "name": "Brand VN"}, {"id": "act_512200981", "name": "Brand TH"}],
        selected_fields=["date_start", "ad_name", "spend", "impressions", "Purchases"],
    )
    usage = []
    for n in range(30):
        account = ("339410370", "512200981")[n % 2]
        load = 12 + n * 3 if account == "339410370" else 6 + n
        usage.append(
            fb_call(
                job.job_id,
                0.3 - n / 150,
                f"/act_{account}/insights",
                app_usage_pct=round(4 + n * 1.2, 1),
                account_usage_pct=round(load, 1),
                insights_account_usage_pct=round(load * 0.9, 1),
                account_id=account,
                buc_call_count_pct=round(load * 0.8, 1),
                buc_total_cputime_pct=round(load * 0.6, 1),
                buc_total_time_pct=round(load * 0.7, 1),
                estimated_time_to_regain_access_min=2 if load > 85 else 0,
                ads_api_access_tier="standard_access",
                wait_s=120 if n == 27 else 0,
            )
        )
    s.store.record_api_calls(usage)
    s.store.append_logs(
        [
            LogLine(job_id=job.job_id, level=level, message=message)
            for level, message in [
                ("INFO", "Job accepted: facebook_daily for maria.nguyen@brand.example"),
                ("INFO", "Starting facebook_daily report"),
                ("INFO", "Fetching Ad Daily Report for 2 accounts, 2026-10-01 to 2026-10-07"),
                ("INFO", "act_339410370: 14 pages of insights (1,312 rows)"),
                ("WARNING", "act_339410370: ad account usage 88 % - slowing down, waiting 120 s"),
                ("INFO", "act_512200981: 9 pages of insights (804 rows)"),
                ("INFO", "Converting THB to USD with the 2026-10-07 rates"),
                ("INFO", "Writing 2,116 rows to 'Weekly spend (all markets)'"),
                ("INFO", "Wrote 2116 rows to the sheet"),
            ]
        ]
    )
    s.store.update_job(job.job_id, rows_written=2116, message="Wrote 2116 rows to the sheet")
    return job.job_id
