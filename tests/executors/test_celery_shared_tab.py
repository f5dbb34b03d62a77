"""Twenty jobs appending to one Google Sheets tab through two real Celery worker processes
(Redis broker, PostgreSQL store, the fake Sheets API on loopback): every row lands exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from marketing_etl import jobs
from marketing_etl.executors.celery_executor import CeleryExecutor
from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from marketing_etl.wiring import build_services
from tests.executors.support import (
    SPREADSHEET_ID,
    Proc,
    job_request,
    make_settings,
    subprocess_env,
    wait_for_status,
)
from tests.fakes.google_sheets import serve_google
from tests.services import postgres_schema, redis_database

pytestmark = pytest.mark.redis

EMAIL = "celery-writer@fake-project.iam.gserviceaccount.com"
JOBS = 20
FINAL = [JobStatus.SUCCESS, JobStatus.FAILED, JobStatus.CANCELLED]


@pytest.fixture
def google(tmp_path: Path) -> Iterator[tuple[FakeGoogle, Path]]:
    fake = FakeGoogle(quota_per_minute=10_000)
    with serve_google(fake):
        key = fake.key_file(tmp_path, EMAIL)
        fake.add_spreadsheet(SPREADSHEET_ID, editors=[EMAIL])
        yield fake, key


def test_twenty_jobs_on_two_celery_workers_append_every_row_once(
    tmp_path: Path, google: tuple[FakeGoogle, Path]
) -> None:
    fake, key = google
    with redis_database() as broker, postgres_schema() as database_url:
        sheets = {
            "GOOGLE_CREDENTIALS_PATH": str(key),
            "GOOGLE_SHEETS_API_URL": fake.base_url,
            "SHEETS_WRITES_PER_MINUTE": "10000",
        }
        env = subprocess_env(
            tmp_path, REDIS_URL=broker, DATABASE_URL=database_url, JOB_LEASE_S="5",
            EXTRA_PLUGINS="tests.plugins:register_sources", **sheets,
        )
        settings = make_settings(
            tmp_path, executor="celery", redis_url=broker, database_url=database_url,
            google_credentials_path=key, google_sheets_api_url=fake.base_url,
        )
        services = build_services(settings)
        workers = [
            Proc(["worker", "--concurrency", "2", "--loglevel", "info"], env, tmp_path,
                 tmp_path / f"worker-{index}.log")
            for index in range(2)
        ]
        executor = CeleryExecutor(services)
        try:
            executor.start()
            job_ids = [f"shared-{index:02d}" for index in range(JOBS)]
            for job_id in job_ids:
                request = job_request(job_id, "rows=3;label=1").model_copy(update={"sheet_name": "Shared"})
                assert jobs.create_job(services, executor, request).new

            finished = [wait_for_status(services.store, job_id, FINAL, 120) for job_id in job_ids]

            failed = [(job.job_id, job.message) for job in finished if job.status is not JobStatus.SUCCESS]
            assert not failed, failed
            for worker in workers:
                worker.check_alive()
            values = fake.books[SPREADSHEET_ID].tab("Shared").values()
            assert values[0][:2] == ["job", "date"]
            assert len(values) == 1 + 3 * JOBS
            written = Counter((row[0], row[2]) for row in values[1:])
            assert written == Counter((job_id, n) for job_id in job_ids for n in range(3))
            both = [w for w in workers if "succeeded" in w.output()]
            assert len(both) == 2, "both worker processes should have run jobs"
        finally:
            executor.shutdown(wait_s=5)
            for worker in workers:
                worker.stop(wait_s=15)
            services.close()
