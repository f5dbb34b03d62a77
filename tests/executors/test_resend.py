"""Queued jobs no worker took: published again after QUEUE_RESEND_AFTER_S, then less and less
often, never while they are no longer QUEUED, and a bounded number per sweep."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from marketing_etl import jobs
from marketing_etl.executors import resend
from marketing_etl.executors.local import LocalExecutor
from marketing_etl.executors.recovery import RecoverySweeper
from marketing_etl.executors.resend import resend_waiting_jobs
from marketing_etl.models import Job, JobStatus, utcnow
from marketing_etl.plugins import Plugins
from marketing_etl.services import Services
from marketing_etl.wiring import build_services
from tests.executors.support import job_request, logs_of, make_settings, wait_for_status
from tests.plugins import HeldExecutor, register

AFTER_S = 60


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    plugins = Plugins()
    register(plugins)
    built = build_services(make_settings(tmp_path, queue_resend_after_s=AFTER_S), plugins)
    yield built
    built.close()


def queued(services: Services, held: HeldExecutor, job_id: str) -> Job:
    assert jobs.create_job(services, held, job_request(job_id, "rows=2")).new
    job = services.store.get_job(job_id)
    assert job is not None
    return job


def later(job: Job, seconds: float) -> datetime:
    return job.queued_at + timedelta(seconds=seconds)


def test_resent_after_the_threshold_then_with_a_growing_pause(services: Services) -> None:
    held = HeldExecutor()
    job = queued(services, held, "waits")
    assert held.submitted == ["waits"]

    def sweep_at(seconds: float) -> list[str]:
        return resend_waiting_jobs(services, held, later(job, seconds))

    assert sweep_at(AFTER_S - 1) == []
    assert sweep_at(AFTER_S + 1) == ["waits"]
    # Once per period: another sweep (or another API process's sweeper) right after sends nothing.
    assert sweep_at(AFTER_S + 1) == []
    assert sweep_at(2 * AFTER_S) == []
    assert sweep_at(2 * AFTER_S + 2) == ["waits"]
    # It had waited about two periods, so the next re-send waits as long again.
    assert sweep_at(4 * AFTER_S) == []
    assert sweep_at(4 * AFTER_S + 5) == ["waits"]
    assert held.submitted == ["waits"] * 4
    # A job waiting for hours is re-sent at most every MAX_BACKOFF_PERIODS periods.
    assert sweep_at(5 * 3600) == ["waits"]
    stored = services.store.get_job("waits")
    assert stored is not None
    assert stored.next_resend_at == later(job, 5 * 3600 + AFTER_S * resend.MAX_BACKOFF_PERIODS)


def test_a_job_that_left_the_queue_is_not_resent(services: Services) -> None:
    held = HeldExecutor()
    running = queued(services, held, "taken")
    now = utcnow()
    assert services.store.claim("taken", "w:1:t", now + timedelta(minutes=5), now)
    cancelled = queued(services, held, "cancelled")
    assert jobs.cancel_job(services, "cancelled").status is JobStatus.CANCELLED
    assert resend_waiting_jobs(services, held, later(running, 3600)) == []
    assert resend_waiting_jobs(services, held, later(cancelled, 3600)) == []
    assert held.submitted == ["taken", "cancelled"]


def test_a_sweep_resends_a_bounded_number_oldest_first(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resend, "MAX_RESENDS_PER_SWEEP", 3)
    held = HeldExecutor()
    waiting = [queued(services, held, f"many-{i}") for i in range(5)]
    now = later(waiting[-1], AFTER_S + 1)
    assert resend_waiting_jobs(services, held, now) == ["many-0", "many-1", "many-2"]
    assert resend_waiting_jobs(services, held, now) == ["many-3", "many-4"]
    assert resend_waiting_jobs(services, held, now) == []


def test_the_sweeper_resends_and_the_local_pool_still_runs_each_job_once(tmp_path: Path) -> None:
    """The local pool needs no messages: a re-send only wakes a worker thread, and the job still
    runs once."""
    plugins = Plugins()
    register(plugins)
    services = build_services(make_settings(tmp_path, queue_resend_after_s=1), plugins)
    held = HeldExecutor()
    executor = LocalExecutor(services)
    try:
        queued(services, held, "local-1")
        services.store.update_job("local-1", queued_at=utcnow() - timedelta(seconds=30))
        RecoverySweeper(services, executor).sweep()
        stored = services.store.get_job("local-1")
        assert stored is not None and stored.next_resend_at is not None  # the sweep did re-send it
        executor.start()
        job = wait_for_status(services.store, "local-1", [JobStatus.SUCCESS, JobStatus.FAILED], 10)
        assert (job.status, job.attempt, job.rows_written) == (JobStatus.SUCCESS, 1, 2)
        RecoverySweeper(services, executor).sweep()  # a finished job is left alone
        assert logs_of(services.store, "local-1").count("Starting product report") == 1
    finally:
        executor.shutdown(wait_s=5)
        services.close()
