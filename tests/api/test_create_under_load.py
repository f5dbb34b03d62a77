"""create-job on SQLite while jobs run: a burst over a real loopback port is answered 200 every
time, and a database locked past the retry budget is a 503 that leaves nothing stored."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from marketing_etl.api.app import create_app
from marketing_etl.models import JobFilter, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.services import Services
from marketing_etl.storage import sql_schema
from marketing_etl.storage.sql import SqlStore
from marketing_etl.tokens import TokenVault, load_fernet
from marketing_etl.wiring import build_services
from tests.api.helpers import make_settings, tt_body
from tests.executors.support import wait_until
from tests.fakes.server import serve_app
from tests.plugins import register

REQUESTS, AT_ONCE = 200, 20
# Each job writes rows, progress and log lines (and logs its masked token) while others arrive.
SCRIPT = "rows=15;delay_ms=2;log=fetching rows"


def test_a_burst_of_creates_is_all_queued_once_while_jobs_run(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, max_concurrent_jobs=4)
    plugins = Plugins()
    register(plugins)
    services = build_services(settings, plugins)
    ids = [f"burst-{i:03d}" for i in range(REQUESTS)]
    try:
        with (
            serve_app(create_app(settings, services=services), lifespan="on") as url,
            httpx.Client(base_url=url, timeout=60, limits=httpx.Limits(max_connections=AT_ONCE)) as client,
        ):

            def create(job_id: str) -> httpx.Response:
                return client.post("/reports/create-job", json=tt_body(job_id=job_id, template_name=SCRIPT))

            with ThreadPoolExecutor(AT_ONCE) as pool:
                responses = list(pool.map(create, ids))
            assert [(r.status_code, r.json()["status"]) for r in responses] == [(200, "queued")] * REQUESTS
            wait_until(lambda: _finished(services) == REQUESTS, 60, "every job to finish", 0.2)
        store = services.store
        jobs, total = store.list_jobs(JobFilter(), 0, 500)
        assert total == REQUESTS and sorted(job.job_id for job in jobs) == ids
        assert {job.status for job in jobs} == {JobStatus.SUCCESS}
        for job_id in ids:
            logs = store.get_logs(job_id)
            assert (logs[0].seq, logs[0].message) == (1, "Job accepted: product for marketer@example.com")
            assert sum(line.message.startswith("Job accepted") for line in logs) == 1
            # The source read the stored token (and the log masks it): it was stored with the job.
            assert any(line.message == "fetching rows token=***" for line in logs), job_id
    finally:
        services.close()


def _finished(services: Services) -> int:
    counts = services.store.count_jobs_by(JobFilter(), "status")
    return sum(counts.get(status.value, 0) for status in (JobStatus.SUCCESS, JobStatus.FAILED))


def test_a_database_locked_past_the_budget_answers_503_and_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sql_schema, "SQLITE_BUSY_TIMEOUT_MS", 200)
    settings = make_settings(tmp_path)
    store = SqlStore(settings.resolved_database_url, busy_budget_s=0.5)
    store.init()
    plugins = Plugins()
    register(plugins)
    services = Services(settings, store, TokenVault(store, load_fernet(settings), 3600), plugins)
    body = tt_body(template_name="rows=1")
    other = sqlite3.connect(tmp_path / "test.db", isolation_level=None, check_same_thread=False)
    try:
        with TestClient(create_app(settings, services=services)) as client:
            other.execute("BEGIN IMMEDIATE")  # another process's writer, holding the lock
            busy = client.post("/reports/create-job", json=body)
            other.execute("COMMIT")
            assert busy.status_code == 503, busy.text
            assert busy.headers["Retry-After"] == "5"
            assert "nothing was stored" in busy.json()["detail"]
            assert client.get(f"/reports/{body['job_id']}").status_code == 404
            assert store.get_logs(body["job_id"]) == []
            again = client.post("/reports/create-job", json=body)
            assert (again.status_code, again.json()["status"]) == (200, "queued")
    finally:
        other.close()
        services.close()


def test_a_create_waits_for_a_writer_holding_the_lock_then_succeeds(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    plugins = Plugins()
    register(plugins)
    services = build_services(settings, plugins)
    body = tt_body(template_name="rows=1")
    other = sqlite3.connect(tmp_path / "test.db", isolation_level=None, check_same_thread=False)
    release = threading.Timer(1.0, lambda: other.execute("COMMIT"))
    try:
        with TestClient(create_app(settings, services=services)) as client:
            other.execute("BEGIN IMMEDIATE")
            release.start()
            created = client.post("/reports/create-job", json=body)
            assert not release.is_alive(), "answered while the lock was still held"
            assert (created.status_code, created.json()["status"]) == (200, "queued")
            logs = services.store.get_logs(body["job_id"])
            assert (logs[0].seq, logs[0].message[:13]) == (1, "Job accepted:")
    finally:
        release.join()
        other.close()
        services.close()
