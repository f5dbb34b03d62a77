"""Jobs whose worker died (lease expired): re-queued once, failed the second time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from marketing_etl import jobs
from marketing_etl.executors.recovery import RecoverySweeper, recover_expired_leases
from marketing_etl.models import Job, JobStatus, utcnow
from marketing_etl.services import Services
from marketing_etl.wiring import build_services
from tests.executors.support import TOKEN, job_request, logs_of, make_settings, wait_until

DEAD_WORKER = "gone-host:4242:job-worker-1"


class RecordingExecutor:
    """Stands in for a pool: remembers what it was asked to run."""

    name = "recording"

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def start(self) -> None: ...

    def submit(self, job_id: str) -> None:
        self.submitted.append(job_id)

    def ping(self) -> None: ...

    def shutdown(self, wait_s: float = 10.0) -> None: ...


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    built = build_services(make_settings(tmp_path))
    yield built
    built.close()


def start_and_die(services: Services, job_id: str, rows_written: int = 0) -> None:
    """Claim the job as a worker that then vanished: its lease ran out a minute ago."""
    now = utcnow()
    assert services.store.claim(job_id, DEAD_WORKER, now - timedelta(minutes=1), now)
    services.store.update_job(job_id, rows_written=rows_written, progress=40)


def current(services: Services, job_id: str) -> Job:
    job = services.store.get_job(job_id)
    assert job is not None
    return job


def test_first_death_requeues_second_death_fails(services: Services) -> None:
    executor = RecordingExecutor()
    jobs.create_job(services, executor, job_request("dies-1", "rows=9"))
    start_and_die(services, "dies-1", rows_written=3)

    assert recover_expired_leases(services, executor, utcnow()) == ["dies-1"]
    job = current(services, "dies-1")
    assert (job.status, job.recoveries, job.lease_owner, job.lease_expires_at) == (
        JobStatus.QUEUED,
        1,
        None,
        None,
    )
    assert job.message == "The worker running this job stopped; re-queued automatically"
    assert "re-queued automatically" in logs_of(services.store, "dies-1")
    assert executor.submitted == ["dies-1", "dies-1"]  # create, then recovery

    start_and_die(services, "dies-1", rows_written=5)
    assert recover_expired_leases(services, executor, utcnow()) == ["dies-1"]
    job = current(services, "dies-1")
    assert job.status is JobStatus.FAILED
    assert "stopped twice" in job.message and "retry it" in job.message
    assert "5 rows had been written" in job.message
    assert job.finished_at is not None and job.lease_owner is None
    assert executor.submitted == ["dies-1", "dies-1"]
    # Failed jobs keep their token (for a retry) but only for TOKEN_RETENTION_S.
    assert services.vault.get("dies-1", utcnow()) == TOKEN
    later = utcnow() + timedelta(seconds=services.settings.token_retention_s + 1)
    assert services.vault.get("dies-1", later) is None


def test_a_retried_job_may_be_recovered_again(services: Services) -> None:
    executor = RecordingExecutor()
    jobs.create_job(services, executor, job_request("dies-2", "rows=1"))
    for _ in range(2):
        start_and_die(services, "dies-2")
        recover_expired_leases(services, executor, utcnow())
    assert current(services, "dies-2").status is JobStatus.FAILED
    assert jobs.retry_job(services, executor, "dies-2", None).attempt == 2
    start_and_die(services, "dies-2")
    recover_expired_leases(services, executor, utcnow())
    assert current(services, "dies-2").status is JobStatus.QUEUED


def test_live_leases_are_left_alone(services: Services) -> None:
    executor = RecordingExecutor()
    jobs.create_job(services, executor, job_request("alive-1", "rows=1"))
    now = utcnow()
    services.store.claim("alive-1", "busy-host:1:w", now + timedelta(seconds=30), now)
    assert recover_expired_leases(services, executor, utcnow()) == []
    assert current(services, "alive-1").status is JobStatus.RUNNING


def test_a_cancelled_job_whose_worker_died_ends_cancelled(services: Services) -> None:
    executor = RecordingExecutor()
    jobs.create_job(services, executor, job_request("dies-3", "rows=1"))
    start_and_die(services, "dies-3", rows_written=2)
    jobs.cancel_job(services, "dies-3")
    assert recover_expired_leases(services, executor, utcnow()) == ["dies-3"]
    job = current(services, "dies-3")
    assert job.status is JobStatus.CANCELLED
    assert "2 rows had been written" in job.message
    assert executor.submitted == ["dies-3"]


def test_sweeper_recovers_at_start(services: Services) -> None:
    executor = RecordingExecutor()
    jobs.create_job(services, executor, job_request("dies-4", "rows=1"))
    start_and_die(services, "dies-4")
    sweeper = RecoverySweeper(services, executor, interval_s=60)
    sweeper.start()
    try:
        wait_until(lambda: current(services, "dies-4").status is JobStatus.QUEUED, 5, "the first sweep")
    finally:
        sweeper.stop()
