"""LocalExecutor on a real SQLite store with the scripted test source and destination."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from marketing_etl import jobs
from marketing_etl.executors.local import LocalExecutor
from marketing_etl.models import Job, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.services import Services
from marketing_etl.wiring import build_services
from tests.executors.support import job_request, logs_of, make_settings, wait_for_status
from tests.plugins import MemoryDestination, register

MAX_JOBS = 2


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[Services, LocalExecutor, MemoryDestination]]:
    plugins = Plugins()
    destination = register(plugins)
    services = build_services(make_settings(tmp_path, max_concurrent_jobs=MAX_JOBS), plugins)
    executor = LocalExecutor(services)
    executor.start()
    try:
        yield services, executor, destination
    finally:
        executor.shutdown(wait_s=10)
        services.close()


def max_overlap(finished: list[Job]) -> int:
    events: list[tuple[datetime, int]] = []
    for job in finished:
        assert job.started_at is not None and job.finished_at is not None
        events += [(job.started_at, 1), (job.finished_at, -1)]
    # At equal times the end sorts first: a thread finishing one job then claiming the next.
    events.sort()
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    return peak


def test_runs_jobs_concurrently_but_never_more_than_the_limit(
    running: tuple[Services, LocalExecutor, MemoryDestination],
) -> None:
    services, executor, destination = running
    ids = [f"conc-{i}" for i in range(5)]
    for job_id in ids:
        assert jobs.create_job(services, executor, job_request(job_id, "rows=4;delay_ms=100")).new
    finished = [wait_for_status(services.store, job_id, [JobStatus.SUCCESS], 20) for job_id in ids]
    assert max_overlap(finished) == MAX_JOBS
    assert all(len(destination.tables[job_id]) == 5 for job_id in ids)
    executor.ping()


def test_a_failing_job_does_not_stop_the_worker(
    running: tuple[Services, LocalExecutor, MemoryDestination],
) -> None:
    services, executor, _ = running
    jobs.create_job(services, executor, job_request("crash-1", "rows=2;fail=crash"))
    jobs.create_job(services, executor, job_request("refused-1", "rows=2;fail=user"))
    crashed = wait_for_status(services.store, "crash-1", [JobStatus.FAILED], 10)
    refused = wait_for_status(services.store, "refused-1", [JobStatus.FAILED], 10)
    assert "scripted crash" in crashed.message
    assert "refused this account" in refused.message
    jobs.create_job(services, executor, job_request("after-1", "rows=3"))
    after = wait_for_status(services.store, "after-1", [JobStatus.SUCCESS], 10)
    assert after.rows_written == 3


def test_cancel_of_a_running_job_ends_cancelled(
    running: tuple[Services, LocalExecutor, MemoryDestination],
) -> None:
    services, executor, _ = running
    jobs.create_job(services, executor, job_request("cancel-1", "rows=100;delay_ms=50"))
    wait_for_status(services.store, "cancel-1", [JobStatus.RUNNING], 10)
    assert jobs.cancel_job(services, "cancel-1").cancel_requested
    cancelled = wait_for_status(services.store, "cancel-1", [JobStatus.CANCELLED], 10)
    assert cancelled.message.startswith("Cancelled by user")
    assert "Cancel requested by user" in logs_of(services.store, "cancel-1")


def test_jobs_queued_without_submit_are_found_by_polling(
    running: tuple[Services, LocalExecutor, MemoryDestination],
) -> None:
    """Another process (the CLI, a server before its restart) may have queued the job."""
    services, _, _ = running

    class NobodyToTell:
        name = "elsewhere"

        def start(self) -> None: ...
        def submit(self, job_id: str) -> None: ...
        def ping(self) -> None: ...
        def shutdown(self, wait_s: float = 10.0) -> None: ...

    jobs.create_job(services, NobodyToTell(), job_request("polled-1", "rows=2"))
    assert wait_for_status(services.store, "polled-1", [JobStatus.SUCCESS], 5).rows_written == 2


def test_ping_fails_after_shutdown(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path))
    executor = LocalExecutor(services)
    try:
        with pytest.raises(RuntimeError, match="not been started"):
            executor.ping()
        executor.start()
        executor.ping()
        executor.shutdown(wait_s=5)
        with pytest.raises(RuntimeError, match="shut down"):
            executor.ping()
    finally:
        services.close()
