"""Request bodies, a running API with the test plugins, and polling for job states."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from marketing_etl.api.app import create_app
from marketing_etl.job_errors import WrongState
from marketing_etl.jobs import cancel_job
from marketing_etl.models import FINISHED_STATUSES, JobFilter, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_services
from tests.plugins import register

TOKEN = "EAAB-test-secret-token-9f8e7d6c"
DASH_AUTH = ("admin", "dash-pass")
SPREADSHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"

# For the key tests that also run on PostgreSQL (the `backend` fixture reads the parameter).
BOTH_BACKENDS = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


def today_utc() -> date:
    return datetime.now(UTC).date()


def new_job_id(prefix: str = "job") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def fb_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task_type": "facebook_daily",
        "job_id": new_job_id("fb"),
        "task_id": "task-1",
        "access_token": TOKEN,
        "start_date": "2026-10-01",
        "end_date": "2026-10-07",
        "user_email": "marketer@example.com",
        "spreadsheet_id": SPREADSHEET_ID,
        "sheet_name": "FB_Report",
        "template_name": "rows=3",
        "accounts": [{"id": "act_123456", "name": "Main account"}],
        "selected_fields": ["spend", "impressions"],
    }
    body.update(overrides)
    return body


def tt_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task_type": "product",
        "job_id": new_job_id("tt"),
        "task_id": "task-2",
        "access_token": TOKEN,
        "start_date": "2026-10-01",
        "end_date": "2026-10-07",
        "user_email": "marketer@example.com",
        "spreadsheet_id": SPREADSHEET_ID,
        "sheet_name": "TikTok_Report",
        "template_name": "rows=2",
        "advertiser_id": "7012345678901234567",
        "store_id": "7398765432109876543",
    }
    body.update(overrides)
    return body


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Every setting the API tests depend on, explicitly; nothing comes from a .env file."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": f"sqlite:///{(data_dir / 'test.db').as_posix()}",
        "executor": "local",
        "max_concurrent_jobs": 2,
        "job_lease_s": 5,
        "secret_key": "test-secret-key",
        "token_retention_s": 3600,
        "dashboard_username": DASH_AUTH[0],
        "dashboard_password": DASH_AUTH[1],
        "dashboard_htpasswd": None,
        "api_keys": None,
        "redis_url": None,
        "redis_host": None,
        "mongo_uri": None,
        "extra_plugins": None,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class Api:
    client: TestClient
    services: Services

    def create(self, body: dict[str, Any], **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.client.post("/reports/create-job", json=body, **kwargs)
        return response

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.client.get(f"/reports/{job_id}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def start(self, body: dict[str, Any]) -> str:
        response = self.create(body)
        assert response.status_code == 200, response.text
        return str(body["job_id"])

    def wait(self, job_id: str, *statuses: str, timeout_s: float = 10.0) -> dict[str, Any]:
        """Poll until the job reaches one of `statuses` (default: any final status)."""
        wanted = statuses or FINISHED_STATUSES
        deadline = time.monotonic() + timeout_s
        while True:
            job = self.job(job_id)
            if job["status"] in wanted:
                return job
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} did not reach {wanted} in {timeout_s}s: {job}")
            time.sleep(0.05)

    def logs(self, job_id: str) -> str:
        response = self.client.get(f"/api/dashboard/logs/{job_id}", auth=DASH_AUTH)
        assert response.status_code == 200, response.text
        return str(response.json()["logs"])

    def cancel_active(self) -> None:
        """Stop what a test left running, so shutdown does not wait for it."""
        for status in (JobStatus.QUEUED, JobStatus.RUNNING):
            jobs, _ = self.services.store.list_jobs(JobFilter(status=status), 0, 500)
            for job in jobs:
                with suppress(WrongState):  # it finished since it was listed
                    cancel_job(self.services, job.job_id)


@contextmanager
def running_api(settings: Settings, plugins: Plugins | None = None) -> Iterator[Api]:
    """The real app, store and LocalExecutor, with the scripted test source and destination."""
    if plugins is None:
        plugins = Plugins()
        register(plugins)
    services = build_services(settings, plugins)
    try:
        with TestClient(create_app(settings, services=services)) as client:
            api = Api(client, services)
            try:
                yield api
            finally:
                api.cancel_active()
    finally:
        services.close()


def hours_ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)
