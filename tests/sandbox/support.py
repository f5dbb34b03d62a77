"""A sandbox server for the tests: the real app with SANDBOX on, served by uvicorn on a loopback
port it knows in advance (its clients call that port), and a small HTTP client for it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from marketing_etl.api.app import create_app
from marketing_etl.contracts.executor import Executor
from marketing_etl.models import FINISHED_STATUSES, ApiCall
from marketing_etl.sandbox import Sandbox
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from tests.fakes.server import free_port, serve_app

DASH_AUTH = ("admin", "sandbox-test")
SEED_DATES = {"start_date": "2023-10-01", "end_date": "2023-10-07"}


def sandbox_settings(data_dir: Path, port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "sandbox": True,
        "port": port,
        "data_dir": data_dir,
        # Explicit, so that nothing in the developer's environment decides (or refuses) the store.
        "database_url": None,
        "mongo_uri": None,
        "redis_url": None,
        "redis_host": None,
        "dashboard_username": DASH_AUTH[0],
        "dashboard_password": DASH_AUTH[1],
        "max_concurrent_jobs": 8,
        # Many jobs in a minute: the simulated project's quota follows this budget.
        "sheets_writes_per_minute": 600,
        "embedded_scheduler": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass
class SandboxServer:
    url: str
    sandbox: Sandbox
    services: Services
    executor: Executor
    http: httpx.Client

    def create(self, body: dict[str, Any]) -> str:
        response = self.http.post("/reports/create-job", json=body)
        assert response.status_code == 200, response.text
        return str(body["job_id"])

    def wait(self, job_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            job: dict[str, Any] = self.http.get(f"/reports/{job_id}").json()
            if job["status"] in FINISHED_STATUSES:
                return job
            assert time.monotonic() < deadline, f"{job_id} still {job['status']}: {job['message']}"
            time.sleep(0.2)

    def logs(self, job_id: str) -> str:
        return str(self.http.get(f"/api/dashboard/logs/{job_id}", auth=DASH_AUTH).json()["logs"])

    def sandbox_calls(self, job_id: str) -> list[ApiCall]:
        """The job's API calls as recorded by the real clients."""
        return self.services.store.get_api_calls(job_id)

    def table(self, spreadsheet_id: str, title: str) -> list[list[Any]]:
        google = self.sandbox.google
        with google.lock:
            return google.books[spreadsheet_id].tab(title).values()


@contextmanager
def serve_sandbox(data_dir: Path, **overrides: Any) -> Iterator[SandboxServer]:
    port = free_port()
    app = create_app(sandbox_settings(data_dir, port, **overrides))
    with (
        serve_app(app, lifespan="on", port=port, graceful_shutdown_s=2) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        yield SandboxServer(url, app.state.sandbox, app.state.api.services, app.state.api.executor, http)


def facebook_body(job_id: str, template: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task_type": "facebook_daily",
        "job_id": job_id,
        "access_token": "any-token-works",
        **SEED_DATES,
        "user_email": "demo@example.com",
        "spreadsheet_id": job_id,
        "sheet_name": template[:100],
        "template_name": template,
        "accounts": [{"id": "act_123456789", "name": "US"}, {"id": "act_246813579", "name": "VN"}],
    }
    body.update(overrides)
    return body


def tiktok_body(job_id: str, task_type: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task_type": task_type,
        "job_id": job_id,
        "access_token": "any-token-works",
        **SEED_DATES,
        "user_email": "demo@example.com",
        "spreadsheet_id": job_id,
        "sheet_name": f"TikTok {task_type}",
        "advertiser_id": "123456789",
        "store_id": "987654321",
    }
    body.update(overrides)
    return body
