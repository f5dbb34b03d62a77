"""A schedule fires inside a real `marketing-etl serve` (the embedded scheduler), and a firing
missed while it was down runs when it comes back; /metrics is served by the same process."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx

from marketing_etl.models import utcnow
from marketing_etl.wiring import open_store
from tests.executors.support import Proc, free_port, subprocess_env, wait_until
from tests.schedules.support import job_body


def test_a_missed_firing_runs_in_a_running_serve(tmp_path: Path) -> None:
    port = free_port()
    database_url = f"sqlite:///{(tmp_path / 'data' / 'jobs.db').as_posix()}"
    env = subprocess_env(
        tmp_path / "data", DATABASE_URL=database_url, SCHEDULER_INTERVAL_S="0.5",
        TEST_OUTPUT_DIR=str(tmp_path / "out"), DASHBOARD_USERNAME="ops", DASHBOARD_PASSWORD="pw",
    )
    (tmp_path / "out").mkdir()
    server = Proc(["serve", "--port", str(port)], env, tmp_path, tmp_path / "serve.log")
    base = f"http://127.0.0.1:{port}"
    store = None
    try:
        wait_until(lambda: _healthy(server, base), 20, "serve to answer /healthz", 0.1)
        created = httpx.post(
            f"{base}/schedules",
            json={"name": "Nightly GMV", "cron": "0 6 * * *", "timezone": "Asia/Ho_Chi_Minh",
                  "date_range": "last_7_days", "job": job_body()},
            timeout=5,
        )
        assert created.status_code == 201, created.text
        schedule_id = created.json()["schedule_id"]
        # As if the server had been down at 06:00 yesterday: the next firing is long past.
        store = open_store(database_url)
        store.schedules.update(schedule_id, None, utcnow(), next_run_at=utcnow() - timedelta(days=1))

        def fired() -> str | None:
            last: str | None = httpx.get(f"{base}/schedules/{schedule_id}", timeout=5).json()["last_job_id"]
            return last

        job_id = wait_until(fired, 15, "the schedule to fire", 0.2)
        assert job_id.startswith(f"{schedule_id}.")
        job = wait_until(lambda: _finished(base, job_id), 20, "the scheduled job to finish", 0.2)
        assert job["status"] == "SUCCESS", job["message"]
        assert job["task_id"] == "Nightly GMV"
        schedule = httpx.get(f"{base}/schedules/{schedule_id}", timeout=5).json()
        assert schedule["next_run_at"] > utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
        metrics = httpx.get(f"{base}/metrics", timeout=5).text
        assert 'marketing_etl_jobs{status="SUCCESS",task_type="product"} 1' in metrics
    finally:
        if store is not None:
            store.close()
        server.stop()


def _healthy(server: Proc, base: str) -> bool:
    server.check_alive()
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _finished(base: str, job_id: str) -> dict[str, object] | None:
    job: dict[str, object] = httpx.get(f"{base}/reports/{job_id}", timeout=5).json()
    return job if job["status"] in ("SUCCESS", "FAILED", "CANCELLED") else None
