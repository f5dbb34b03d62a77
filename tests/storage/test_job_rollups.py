"""SQL job rollups (sql_job_rollups.py): a database written before them gets them filled from its
jobs when the service starts, once, however many processes start together; from then on the
triggers keep them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from marketing_etl.models import Job, JobStatus
from marketing_etl.storage.common import job_record
from marketing_etl.storage.sql import SqlStore
from marketing_etl.storage.sql_schema import create_engine, jobs
from tests.services import postgres_schema
from tests.storage.factory import T0, make_job

STATUSES = [JobStatus.SUCCESS, JobStatus.SUCCESS, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.QUEUED]


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
    else:
        with postgres_schema() as url:
            yield url


def old_jobs() -> list[Job]:
    """Jobs every 7 hours over 9 days: 5 users, 3 templates (and none), a run of 10-40 s each."""
    made = []
    for n in range(30):
        created = T0 - timedelta(hours=7 * n)
        status = STATUSES[n % len(STATUSES)]
        times: dict[str, Any] = (
            {}
            if status is JobStatus.QUEUED
            else {
                "started_at": created + timedelta(seconds=1),
                "finished_at": created + timedelta(seconds=1 + 10 * (n % 4 + 1)),
            }
        )
        spec = {"user_email": f"u{n % 5}@example.com", "template_name": [None, "A", "B", "C"][n % 4]}
        made.append(
            make_job(f"j{n:02d}", spec=spec, created_at=created, status=status, rows_written=n, **times)
        )
    return made


def make_old_database(url: str, rows: list[Job]) -> None:
    """A database as the version before job rollups left it: jobs, no rollups, no triggers."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            jobs.create(conn)
            conn.execute(sa.insert(jobs), [{**job_record(job), "log_seq": 0} for job in rows])
    finally:
        engine.dispose()


def test_an_upgraded_database_gets_its_jobs_rolled_up_once(sql_url: str) -> None:
    rows = old_jobs()
    make_old_database(sql_url, rows)
    stores = [SqlStore(sql_url) for _ in range(3)]  # three engines: three processes' connections
    try:
        with ThreadPoolExecutor(len(stores)) as pool:
            for started in [pool.submit(store.init) for store in stores]:
                started.result()
        stats = stores[0].job_stats
        by_group = stats.by_status_and_type()
        assert {key: f.jobs for key, f in by_group.items()} == Counter(
            (job.status.value, job.spec.task_type) for job in rows
        )
        assert sum(f.rows_written for f in by_group.values()) == sum(job.rows_written for job in rows)
        timed = [job.duration_s for job in rows if job.status.finished and job.duration_s is not None]
        assert sum(f.timed for f in by_group.values()) == len(timed)
        assert sum(f.duration_sum_s for f in by_group.values()) == pytest.approx(sum(timed))
        templates = Counter(job.spec.template_name for job in rows if job.spec.template_name)
        assert stats.top_templates(None, None, 10) == sorted(templates.items(), key=lambda t: (-t[1], t[0]))
        assert stats.users(None, None, 10).distinct == 5
        # From now on the triggers keep them: a new job counts once.
        assert stores[1].insert_job(make_job("new", created_at=T0, status=JobStatus.QUEUED))
        recent = stats.by_status_and_type(T0 - timedelta(hours=1), counts_only=True)
        assert {key: f.jobs for key, f in recent.items()} == {
            ("SUCCESS", "facebook_daily"): 1,  # j00
            ("QUEUED", "facebook_daily"): 1,
        }
    finally:
        for store in stores:
            store.close()
