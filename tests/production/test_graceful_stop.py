"""A worker that stops gracefully hands its running job back to the queue, checkpoint kept,
and another worker finishes it: the local pool on shutdown, a Celery worker on SIGTERM."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from marketing_etl import jobs
from marketing_etl.executors.local import LocalExecutor
from marketing_etl.models import FINISHED_STATUSES, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.services import Services
from marketing_etl.wiring import build_services
from tests.executors.support import (
    Proc,
    job_request,
    logs_of,
    make_settings,
    subprocess_env,
    wait_for_status,
    wait_until,
)
from tests.plugins import register
from tests.services import redis_database

SLOW = "rows=50;delay_ms=100"


def test_local_pool_shutdown_requeues_the_running_job(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    plugins = Plugins()
    register(plugins)
    settings = make_settings(tmp_path, max_concurrent_jobs=1, embedded_scheduler=False)
    services = build_services(settings, plugins)
    try:
        first = LocalExecutor(services, poll_interval_s=0.1)
        first.start()
        jobs.create_job(services, first, job_request("local-handback", SLOW))
        wait_until(lambda: _rows(services, "local-handback") >= 3, 15, "the job to write rows")
        first.shutdown(wait_s=5)
        job = services.store.get_job("local-handback")
        assert job is not None and job.status is JobStatus.QUEUED, job
        assert job.recoveries == 0 and job.lease_owner is None and job.rows_written >= 3
        assert "worker is stopping" in job.message
        second = LocalExecutor(services, poll_interval_s=0.1)
        second.start()
        try:
            done = wait_for_status(services.store, "local-handback", FINISHED_STATUSES, 30)
        finally:
            second.shutdown(wait_s=5)
        assert done.status is JobStatus.SUCCESS, done.message
        assert "back in the queue" in logs_of(services.store, "local-handback")
    finally:
        services.close()


def _rows(services: Services, job_id: str) -> int:
    job = services.store.get_job(job_id)
    return 0 if job is None else job.rows_written


@pytest.mark.redis
def test_sigterm_to_a_celery_worker_hands_the_job_to_the_next_worker(tmp_path: Path) -> None:
    with redis_database() as broker:
        _hand_back_through_celery(tmp_path, broker)


def _hand_back_through_celery(tmp_path: Path, broker: str) -> None:
    from marketing_etl.executors.celery_executor import CeleryExecutor

    database_url = f"sqlite:///{(tmp_path / 'jobs.db').as_posix()}"
    (tmp_path / "out").mkdir()
    env = subprocess_env(
        tmp_path, REDIS_URL=broker, DATABASE_URL=database_url, TEST_OUTPUT_DIR=str(tmp_path / "out"),
        JOB_LEASE_S="5",
    )
    settings = make_settings(tmp_path, executor="celery", redis_url=broker, database_url=database_url)
    services = build_services(settings)
    executor = CeleryExecutor(services)
    workers: list[Proc] = []
    try:
        workers.append(Proc(["worker", "--concurrency", "1"], env, tmp_path, tmp_path / "worker-1.log"))
        jobs.create_job(services, executor, job_request("celery-handback", SLOW))
        wait_until(lambda: _rows(services, "celery-handback") >= 3, 40, "the job to write rows")
        workers[0].popen.send_signal(signal.SIGTERM)
        assert workers[0].popen.wait(timeout=30) == 0, workers[0].output()[-2000:]
        job = services.store.get_job("celery-handback")
        assert job is not None and job.status is JobStatus.QUEUED, job
        assert job.recoveries == 0 and "worker is stopping" in job.message

        workers.append(Proc(["worker", "--concurrency", "1"], env, tmp_path, tmp_path / "worker-2.log"))
        done = wait_for_status(services.store, "celery-handback", FINISHED_STATUSES, 60)
        assert done.status is JobStatus.SUCCESS, done.message
        assert done.attempt == 1 and done.recoveries == 0
    finally:
        for worker in workers:
            worker.stop(wait_s=15)
        executor.shutdown(wait_s=2)
        services.close()
