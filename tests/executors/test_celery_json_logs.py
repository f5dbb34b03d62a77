"""LOG_FORMAT=json in a real `marketing-etl worker`: Celery's handlers write JSON lines, and a
line a job logged names the job and masks its token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from marketing_etl import jobs
from marketing_etl.executors.celery_executor import CeleryExecutor
from marketing_etl.models import JobStatus
from marketing_etl.wiring import build_services
from tests.executors.support import TOKEN, Proc, job_request, make_settings, subprocess_env, wait_for_status
from tests.services import redis_database

pytestmark = pytest.mark.redis


def test_worker_logs_json_lines_with_the_job_id(tmp_path: Path) -> None:
    database_url = f"sqlite:///{(tmp_path / 'jobs.db').as_posix()}"
    with redis_database() as broker:
        env = subprocess_env(tmp_path, REDIS_URL=broker, DATABASE_URL=database_url, LOG_FORMAT="json")
        settings = make_settings(tmp_path, executor="celery", redis_url=broker, database_url=database_url)
        services = build_services(settings)
        # No --loglevel: LOG_LEVEL's default, INFO, lets the job's INFO line through.
        worker = Proc(["worker", "--concurrency", "1"], env, tmp_path, tmp_path / "worker.log")
        executor = CeleryExecutor(services)
        try:
            executor.start()
            jobs.create_job(services, executor, job_request("json-1", "rows=1;log=fetching rows"))
            job = wait_for_status(services.store, "json-1", [JobStatus.SUCCESS, JobStatus.FAILED], 30)
        finally:
            executor.shutdown(wait_s=5)
            worker.stop(wait_s=15)
            services.close()
    assert job.status is JobStatus.SUCCESS, job.message
    output = worker.output()
    # Celery prints its banner itself; every logged line is a JSON object.
    entries: list[dict[str, Any]] = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    fetching = [entry for entry in entries if entry["message"].startswith("fetching rows")]
    assert [(entry["level"], entry["job_id"]) for entry in fetching] == [("INFO", "json-1")]
    assert "token=" in fetching[0]["message"]
    assert TOKEN not in output
