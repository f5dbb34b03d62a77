"""Queue messages lost with the broker: a Redis that keeps nothing on disk restarts while jobs
wait, and the sweeper publishes them again, so a real worker runs each of them, once.

The test runs its own redis-server on a free loopback port (the shared one on 6379 must not be
restarted under other tests), with persistence off, like the Redis of the bug report.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from marketing_etl import jobs
from marketing_etl.executors.celery_config import QUEUE_NAME, TASK_NAME, create_celery_app
from marketing_etl.executors.celery_executor import CeleryExecutor
from marketing_etl.models import JobStatus, utcnow
from marketing_etl.services import Services
from marketing_etl.wiring import build_services
from tests.executors.support import (
    Proc,
    free_port,
    job_request,
    logs_of,
    make_settings,
    subprocess_env,
    wait_for_status,
    wait_until,
)
from tests.services import need

pytestmark = pytest.mark.redis

JOBS = [f"lost-{i}" for i in range(10)]
ROWS = 3


class PrivateRedis:
    """redis-server without persistence on one port, which can be killed and started again."""

    def __init__(self, port: int, work_dir: Path) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self._work_dir = work_dir
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", str(self._work_dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, 10, f"redis-server on port {self.port}")

    def kill(self) -> None:
        """SIGKILL: whatever it held in memory is gone."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def queue_length(self) -> int:
        with redis.Redis.from_url(self.url) as client:
            return int(client.llen(QUEUE_NAME))

    def _answers(self) -> bool:
        try:
            with redis.Redis.from_url(self.url, socket_timeout=1) as client:
                return bool(client.ping())
        except redis.ConnectionError:
            return False


@contextmanager
def private_redis(work_dir: Path) -> Iterator[PrivateRedis]:
    need(shutil.which("redis-server") is not None, "redis-server (to run a private Redis)")
    server = PrivateRedis(free_port(), work_dir)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def create_jobs(services: Services, executor: CeleryExecutor) -> None:
    for job_id in JOBS:
        assert jobs.create_job(services, executor, job_request(job_id, f"rows={ROWS}")).new


def statuses(services: Services) -> set[JobStatus]:
    found = {job_id: services.store.get_job(job_id) for job_id in JOBS}
    return {job.status for job in found.values() if job is not None}


def assert_a_duplicate_message_does_nothing(services: Services, worker: Proc) -> None:
    """A message for a job that is no longer QUEUED (a re-send that crossed the original): the
    task finds nothing to claim and returns without touching the job."""
    job_id = JOBS[0]
    before = services.store.get_job(job_id)
    log_lines = len(services.store.get_logs(job_id))
    app = create_celery_app(services.settings)
    try:
        task_id = app.send_task(TASK_NAME, args=[job_id], ignore_result=True).id
    finally:
        app.close()
    done = f"[{task_id}] succeeded"
    wait_until(lambda: done in worker.output(), 30, "the worker to take the duplicate message")
    outcome = next(line for line in worker.output().splitlines() if done in line)
    assert outcome.endswith(": None"), outcome  # run_job's "not QUEUED, nothing to do"
    assert services.store.get_job(job_id) == before
    assert len(services.store.get_logs(job_id)) == log_lines


def assert_ran_once(services: Services, job_id: str, output_dir: Path) -> None:
    job = wait_for_status(services.store, job_id, [JobStatus.SUCCESS, JobStatus.FAILED], 60)
    assert (job.status, job.attempt, job.rows_written) == (JobStatus.SUCCESS, 1, ROWS), job.message
    assert logs_of(services.store, job_id).count("Starting product report") == 1
    assert len(json.loads((output_dir / f"{job_id}.json").read_text())) == ROWS + 1
    # Success is recorded first, then the token deleted: no token outlives its job.
    wait_until(lambda: services.vault.get(job_id, utcnow()) is None, 10, f"{job_id}'s token to go")


def test_jobs_whose_messages_died_with_redis_run_once_each(tmp_path: Path) -> None:
    database_url = f"sqlite:///{(tmp_path / 'jobs.db').as_posix()}"
    output_dir = tmp_path / "out"
    output_dir.mkdir()
    with private_redis(tmp_path) as broker:
        settings = make_settings(
            tmp_path, executor="celery", redis_url=broker.url, database_url=database_url,
            queue_resend_after_s=1,
        )
        services = build_services(settings)
        executor = CeleryExecutor(services)  # not started yet: no sweeper, like a stopped API
        env = subprocess_env(
            tmp_path, REDIS_URL=broker.url, DATABASE_URL=database_url,
            TEST_OUTPUT_DIR=str(output_dir), JOB_LEASE_S="5",
        )
        worker: Proc | None = None
        try:
            create_jobs(services, executor)
            assert broker.queue_length() == len(JOBS)
            broker.kill()
            broker.start()
            assert broker.queue_length() == 0, "the restarted Redis should have come back empty"

            worker = Proc(
                ["worker", "--concurrency", "2", "--loglevel", "info"], env, tmp_path, tmp_path / "worker.log"
            )
            wait_until(lambda: " ready." in worker.output(), 30, "the worker to be ready")
            # The bug: a ready worker on an empty queue, and every job still waiting.
            assert statuses(services) == {JobStatus.QUEUED}

            executor.start()  # its sweeper publishes the jobs again on its first round
            for job_id in JOBS:
                assert_ran_once(services, job_id, output_dir)
            worker.check_alive()
            assert_a_duplicate_message_does_nothing(services, worker)
        finally:
            executor.shutdown(wait_s=5)
            if worker is not None:
                worker.stop(wait_s=15)
            services.close()
