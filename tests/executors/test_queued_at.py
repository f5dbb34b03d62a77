"""queued_at: set whenever a job becomes QUEUED (created, retried, re-queued by recovery, handed
back by a stopping worker), on every backend, with the re-send pause cleared each time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from marketing_etl import jobs, runner
from marketing_etl.contracts.store import Store
from marketing_etl.executors.recovery import recover_expired_leases
from marketing_etl.models import Job, JobStatus, utcnow
from marketing_etl.plugins import Plugins
from marketing_etl.services import Services
from marketing_etl.storage.common import to_utc
from marketing_etl.tokens import TokenVault, load_fernet
from marketing_etl.wiring import open_store
from tests.executors.support import job_request, make_settings
from tests.plugins import HeldExecutor, register
from tests.services import postgres_schema
from tests.storage.mongomock_client import mongomock_store

LONG_AGO = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql", "mongo"])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    if request.param == "sqlite":
        yield from _services(tmp_path, open_store(f"sqlite:///{tmp_path / 'jobs.db'}"))
    elif request.param == "postgresql":
        with postgres_schema() as url:
            yield from _services(tmp_path, open_store(url))
    else:
        yield from _services(tmp_path, mongomock_store())


def _services(tmp_path: Path, store: Store) -> Iterator[Services]:
    settings = make_settings(tmp_path)
    plugins = Plugins()
    register(plugins)
    vault = TokenVault(store, load_fernet(settings), settings.token_retention_s)
    try:
        yield Services(settings, store, vault, plugins)
    finally:
        store.close()


def current(services: Services, job_id: str) -> Job:
    job = services.store.get_job(job_id)
    assert job is not None
    return job


def queued_long_ago(services: Services, job_id: str) -> datetime:
    """Make the job look queued long ago and already re-sent; returns when the test went on."""
    services.store.update_job(job_id, queued_at=LONG_AGO, next_resend_at=LONG_AGO)
    return to_utc(utcnow())


def assert_queued_again(job: Job, since: datetime) -> None:
    assert job.status is JobStatus.QUEUED
    assert since <= job.queued_at <= utcnow()
    assert job.next_resend_at is None


def test_create_queues_at_creation(services: Services) -> None:
    jobs.create_job(services, HeldExecutor(), job_request("q-create", "rows=1"))
    job = current(services, "q-create")
    assert (job.status, job.queued_at, job.next_resend_at) == (JobStatus.QUEUED, job.created_at, None)


def test_retry_queues_again(services: Services) -> None:
    held = HeldExecutor()
    jobs.create_job(services, held, job_request("q-retry", "rows=1"))
    assert services.store.transition("q-retry", [JobStatus.QUEUED], status=JobStatus.FAILED)
    since = queued_long_ago(services, "q-retry")
    assert jobs.retry_job(services, held, "q-retry", None).attempt == 2
    assert_queued_again(current(services, "q-retry"), since)


def test_recovery_requeue_queues_again(services: Services) -> None:
    held = HeldExecutor()
    jobs.create_job(services, held, job_request("q-recover", "rows=1"))
    now = utcnow()
    assert services.store.claim("q-recover", "gone:1:w", now - timedelta(minutes=1), now)
    since = queued_long_ago(services, "q-recover")
    assert recover_expired_leases(services, held, utcnow()) == ["q-recover"]
    assert_queued_again(current(services, "q-recover"), since)


def test_hand_back_queues_again(services: Services) -> None:
    jobs.create_job(services, HeldExecutor(), job_request("q-handback", "rows=3"))
    since = queued_long_ago(services, "q-handback")
    stopping = threading.Event()
    stopping.set()  # the worker is shutting down: the job goes back before it fetches anything
    deps = replace(services.runner_deps("stopping-worker"), stopping=stopping)
    assert runner.run_job("q-handback", deps) is JobStatus.QUEUED
    assert_queued_again(current(services, "q-handback"), since)
