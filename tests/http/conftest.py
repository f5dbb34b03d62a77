"""A real JobContext on a SQLite store, so recorded calls go through its masking and its waits
through its cancellable sleep, as in a job."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from marketing_etl.context import JobContext
from marketing_etl.contracts.store import Store
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import ApiCall, Job, JobStatus
from marketing_etl.settings import Settings
from marketing_etl.wiring import open_store

TOKEN = "EAAB-http-tests-secret-token-0123456789"
JOB_ID = "http-job"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'etl.db'}")
    yield store
    store.close()


@pytest.fixture
def ctx(tmp_path: Path, store: Store) -> JobContext:
    spec = JobSpec(
        task_type="product",
        job_id=JOB_ID,
        start_date=date(2026, 10, 1),
        end_date=date(2026, 10, 2),
        user_email="ana@example.com",
        spreadsheet_id="1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",
        sheet_name="Report",
        advertiser_id="7001",
        store_id="9001",
    )
    job = Job(job_id=JOB_ID, spec=spec, fingerprint=spec.fingerprint(), status=JobStatus.RUNNING)
    assert store.insert_job(job)
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        secret_key="k" * 32,
        facebook_graph_url="https://graph.test",
        tiktok_api_url="https://tiktok.test/open_api/v1.3",
        tiktok_max_qps=10_000.0,
        tiktok_max_qpm=1_000_000,
    )
    return JobContext(job=job, store=store, settings=settings, access_token=TOKEN)


def recorded(store: Store) -> list[ApiCall]:
    return store.get_api_calls(JOB_ID)


def logs(store: Store) -> str:
    return "\n".join(line.message for line in store.get_logs(JOB_ID))


def cancel_after(store: Store, delay_s: float) -> threading.Timer:
    """Ask to cancel the job from another thread, as the API would while the job runs."""
    timer = threading.Timer(delay_s, lambda: store.update_job(JOB_ID, cancel_requested=True))
    timer.start()
    return timer
