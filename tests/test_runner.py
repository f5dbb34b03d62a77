"""runner.run_job end to end on a real SQLite store with the test source and destination."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from marketing_etl import jobs
from marketing_etl.context import JobContext
from marketing_etl.contracts.report import Column, Report
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import ApiCall, Job, JobStatus, utcnow
from marketing_etl.plugins import Plugins
from marketing_etl.runner import run_job
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_services
from tests.plugins import HeldExecutor, MemoryDestination, StandInSource, register

TOKEN = "EAAB-runner-secret-token-0123456789"


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, Any] = {"data_dir": tmp_path, "job_lease_s": 5, "secret_key": "k" * 32}
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Services, MemoryDestination]]:
    plugins = Plugins()
    dest = register(plugins)
    services = build_services(make_settings(tmp_path), plugins)
    yield services, dest
    services.close()


def queue(services: Services, job_id: str, script: str, token: str | None = TOKEN) -> Job:
    spec = JobSpec(
        task_type="facebook_daily",
        job_id=job_id,
        start_date=date(2026, 10, 1),
        end_date=date(2026, 10, 31),
        user_email="ana@example.com",
        spreadsheet_id="1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",
        sheet_name="FB Daily",
        accounts=[{"id": "act_1", "name": "Shop"}],
        template_name=script,
    )
    if token:
        services.vault.put(job_id, token)
    job = Job(job_id=job_id, spec=spec, fingerprint=spec.fingerprint())
    assert services.store.insert_job(job)
    return job


def logs_of(services: Services, job_id: str) -> str:
    return "\n".join(line.message for line in services.store.get_logs(job_id))


def test_success_writes_rows_and_drops_token(env: tuple[Services, MemoryDestination]) -> None:
    services, dest = env
    queue(services, "ok-1", "rows=4")
    assert run_job("ok-1", services.runner_deps()) is JobStatus.SUCCESS
    job = services.store.get_job("ok-1")
    assert job is not None
    assert (job.status, job.progress, job.rows_written) == (JobStatus.SUCCESS, 100, 4)
    assert job.destination_url == "memory://ok-1"
    assert job.started_at is not None and job.finished_at is not None
    assert job.lease_owner is None
    assert dest.tables["ok-1"] == [
        ["date", "n", "value"],
        ["2026-10-01", 0, 0.0],
        ["2026-10-01", 1, 1.5],
        ["2026-10-01", 2, 3.0],
        ["2026-10-01", 3, 4.5],
    ]
    assert services.vault.get("ok-1", utcnow()) is None
    calls = services.store.get_api_calls("ok-1")
    assert [(c.platform, c.endpoint, c.http_status) for c in calls] == [("test", "/rows", 200)]


def test_not_queued_job_is_left_alone(env: tuple[Services, MemoryDestination]) -> None:
    services, _ = env
    queue(services, "twice", "rows=1")
    assert run_job("twice", services.runner_deps()) is JobStatus.SUCCESS
    assert run_job("twice", services.runner_deps()) is None
    assert run_job("no-such-job", services.runner_deps()) is None


@pytest.mark.parametrize(
    ("script", "expected_rows", "expected_message"),
    [
        ("rows=3;fail=user;fail_at=0", 0, "Nothing was written to the destination."),
        ("rows=5;fail=user;fail_at=2", 2, "2 rows had already been written"),
    ],
)
def test_user_error_fails_with_readable_message(
    env: tuple[Services, MemoryDestination], script: str, expected_rows: int, expected_message: str
) -> None:
    services, _ = env
    queue(services, "bad-1", script)
    assert run_job("bad-1", services.runner_deps()) is JobStatus.FAILED
    job = services.store.get_job("bad-1")
    assert job is not None
    assert job.message.startswith("The scripted source refused this account.")
    assert expected_message in job.message
    assert job.rows_written == expected_rows
    # Kept for a retry, with an expiry.
    assert services.vault.get("bad-1", utcnow()) == TOKEN
    assert services.vault.get("bad-1", utcnow() + timedelta(days=2)) is None


def test_crash_is_failed_with_traceback_in_log(env: tuple[Services, MemoryDestination]) -> None:
    services, _ = env
    queue(services, "crash-1", "rows=2;fail=crash")
    assert run_job("crash-1", services.runner_deps()) is JobStatus.FAILED
    job = services.store.get_job("crash-1")
    assert job is not None
    assert "Unexpected internal error (RuntimeError: scripted crash)" in job.message
    assert "Traceback" in logs_of(services, "crash-1")


def test_missing_source_or_token_fails_clearly(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path), Plugins())
    queue(services, "nosrc", "rows=1")
    assert run_job("nosrc", services.runner_deps()) is JobStatus.FAILED
    job = services.store.get_job("nosrc")
    assert job is not None and "facebook_daily reports are not available" in job.message

    register(services.plugins)
    queue(services, "notoken", "rows=1;log=x", token=None)
    assert run_job("notoken", services.runner_deps()) is JobStatus.FAILED
    job = services.store.get_job("notoken")
    assert job is not None and "retry it with a new access_token" in job.message
    services.close()


def test_cancel_while_running_ends_cancelled_never_failed(
    env: tuple[Services, MemoryDestination],
) -> None:
    services, _ = env
    queue(services, "cx-1", "rows=200;delay_ms=20")
    result: list[JobStatus | None] = []
    worker = threading.Thread(target=lambda: result.append(run_job("cx-1", services.runner_deps())))
    worker.start()
    _wait_for(lambda: (j := services.store.get_job("cx-1")) is not None and j.rows_written >= 3)
    assert jobs.cancel_job(services, "cx-1").cancel_requested
    worker.join(timeout=10)
    assert result == [JobStatus.CANCELLED]
    job = services.store.get_job("cx-1")
    assert job is not None and job.status is JobStatus.CANCELLED
    assert job.message.startswith("Cancelled by user.")
    assert 3 <= job.rows_written < 200
    assert f"{job.rows_written} rows had already been written" in job.message
    assert services.vault.get("cx-1", utcnow()) == TOKEN


def test_token_is_masked_in_logs_and_parallel_jobs_keep_their_own_lines(
    env: tuple[Services, MemoryDestination],
) -> None:
    services, _ = env
    queue(services, "mask-a", "rows=3;delay_ms=30;log=from-a")
    queue(services, "mask-b", "rows=3;delay_ms=30;log=from-b")
    threads = [
        threading.Thread(target=run_job, args=(job_id, services.runner_deps(job_id)))
        for job_id in ("mask-a", "mask-b")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    log_a, log_b = logs_of(services, "mask-a"), logs_of(services, "mask-b")
    assert "from-a token=***" in log_a and "from-b" not in log_a
    assert "from-b token=***" in log_b and "from-a" not in log_b
    assert TOKEN not in log_a + log_b


def test_soft_time_limit_fails_the_job(tmp_path: Path) -> None:
    plugins = Plugins()
    register(plugins)
    settings = make_settings(tmp_path, job_soft_time_limit_s=1, job_time_limit_s=2)
    services = build_services(settings, plugins)
    queue(services, "slow", "rows=100;delay_ms=50")
    assert run_job("slow", services.runner_deps()) is JobStatus.FAILED
    job = services.store.get_job("slow")
    assert job is not None
    assert job.message.startswith("The job ran longer than its 1-second time limit.")
    services.close()


def test_heartbeat_extends_the_lease(env: tuple[Services, MemoryDestination]) -> None:
    services, _ = env
    queue(services, "lease-1", "rows=40;delay_ms=100")
    worker = threading.Thread(target=run_job, args=("lease-1", services.runner_deps()))
    worker.start()
    _wait_for(lambda: _lease("lease-1", services) is not None)
    first = _lease("lease-1", services)
    assert first is not None
    _wait_for(lambda: (_lease("lease-1", services) or first) > first, timeout_s=4)
    worker.join(timeout=10)
    job = services.store.get_job("lease-1")
    assert job is not None and job.status is JobStatus.SUCCESS


def test_retry_runs_a_new_attempt_whose_log_continues(
    env: tuple[Services, MemoryDestination],
) -> None:
    services, dest = env
    queue(services, "re-1", "rows=2;fail=user")
    run_job("re-1", services.runner_deps())
    services.plugins.sources.replace(_AlwaysOk())
    assert jobs.retry_job(services, HeldExecutor(), "re-1", access_token=None).attempt == 2
    assert run_job("re-1", services.runner_deps()) is JobStatus.SUCCESS
    job = services.store.get_job("re-1")
    assert job is not None and (job.attempt, job.status) == (2, JobStatus.SUCCESS)
    attempts = {line.attempt for line in services.store.get_logs("re-1")}
    assert attempts == {1, 2}
    assert "(attempt 2)" in logs_of(services, "re-1")
    assert dest.tables["re-1"][-2:] == [["n"], [1]]


class _AlwaysOk(StandInSource):
    def fetch(self, ctx: JobContext) -> Report:
        return Report(columns=[Column("n", "integer")], rows=[[1]])


def _lease(job_id: str, services: Services) -> datetime | None:
    job = services.store.get_job(job_id)
    return job.lease_expires_at if job else None


def _wait_for(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


class _LeakySource(StandInSource):
    """A client that (wrongly) put the token into what it records: the context must mask it."""

    def fetch(self, ctx: JobContext) -> Report:
        ctx.record_api_call(
            ApiCall(
                job_id=ctx.job_id,
                platform="test",
                endpoint=f"/rows?access_token={ctx.access_token}",
                http_status=400,
                duration_ms=2.0,
                usage={"note": f"token {ctx.access_token}", "nested": [{"t": ctx.access_token}], "pct": 12},
                error=f"bad token {ctx.access_token}",
            )
        )
        return Report(columns=[Column("n", "integer")], rows=[[1]])


def test_api_call_records_are_masked(env: tuple[Services, MemoryDestination]) -> None:
    services, _ = env
    services.plugins.sources.replace(_LeakySource())
    queue(services, "leaky", "rows=1")
    assert run_job("leaky", services.runner_deps()) is JobStatus.SUCCESS
    [call] = services.store.get_api_calls("leaky")
    assert call.endpoint == "/rows?access_token=***"
    assert call.usage == {"note": "token ***", "nested": [{"t": "***"}], "pct": 12}
    assert call.error == "bad token ***"
