"""The dashboard's hot job queries use the indexes made for them (sql_schema.py), on SQLite
(EXPLAIN QUERY PLAN) and PostgreSQL (EXPLAIN): the aggregates read covering indexes in GROUP BY
order instead of the table, and keyset pages seek a (column, job_id) index instead of sorting.

The queries checked are the ones the store really sends, captured as it runs them. SQLite plans
without statistics (the service never runs ANALYZE); PostgreSQL plans a table it has analyzed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from marketing_etl.models import Job, JobFilter, JobStatus, TaskType
from marketing_etl.storage import Store, open_store
from marketing_etl.storage.common import job_record
from marketing_etl.storage.keyset import Ordering
from marketing_etl.storage.sql_schema import create_engine, jobs
from tests.services import postgres_schema
from tests.storage.factory import T0, make_job

JOBS = 5_000
FB = ["facebook_daily", "facebook_performance", "facebook_breakdown"]
MONTH = T0 - timedelta(days=30)


def _history(n: int) -> Iterator[dict[str, Any]]:
    """A year of jobs up to T0: statuses, types, users and templates mixed, most finished."""
    rng = random.Random(5)
    for i in range(n):
        created = T0 - timedelta(minutes=rng.randrange(365 * 24 * 60))
        task_type = rng.choice(list(TaskType)).value
        spec: dict[str, Any] = {"task_type": task_type, "user_email": f"user{rng.randrange(150)}@example.com"}
        if task_type in FB:
            spec["template_name"] = f"Template {rng.randrange(20)}"
        else:
            spec |= {"advertiser_id": "7012345678901234567", "store_id": "7398765432109876543"}
        status = rng.choice([JobStatus.SUCCESS] * 8 + [JobStatus.FAILED, JobStatus.CANCELLED])
        started = created + timedelta(seconds=rng.randrange(1, 60))
        job: Job = make_job(
            f"job-{rng.getrandbits(32):08x}-{i}",
            spec=spec,
            created_at=created,
            status=status,
            started_at=started,
            finished_at=started + timedelta(seconds=rng.randrange(5, 3000)),
            rows_written=rng.randrange(1000),
        )
        yield {**job_record(job), "log_seq": 0}


@pytest.fixture(params=["sqlite", "postgresql"], scope="module")
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, Engine]]:
    if request.param == "sqlite":
        yield from _seeded(f"sqlite:///{tmp_path_factory.mktemp('plans') / 'jobs.db'}")
    else:
        with postgres_schema() as url:
            yield from _seeded(url)


def _seeded(url: str) -> Iterator[tuple[Store, Engine]]:
    store = open_store(url)
    engine = create_engine(url)
    try:
        store.init()
        with engine.begin() as conn:
            conn.execute(sa.insert(jobs), list(_history(JOBS)))
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE jobs")
        yield store, engine
    finally:
        store.close()
        engine.dispose()


def plans(seeded: tuple[Store, Engine], call: Callable[[Store], object]) -> list[str]:
    """The plan of each query `call` sends, as one line of text per query."""
    store, engine = seeded
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append((statement, parameters))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", capture)
    try:
        call(store)
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", capture)
    assert sent, "no query was sent"
    lines = []
    with engine.connect() as conn:
        for statement, parameters in sent:
            if engine.dialect.name == "sqlite":
                rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                lines.append(" | ".join(row[3] for row in rows))
            else:
                rows = conn.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                lines.append(" | ".join(row[0].strip() for row in rows))
    return lines


def is_sqlite(seeded: tuple[Store, Engine]) -> bool:
    return seeded[1].dialect.name == "sqlite"


AGGREGATES: dict[str, tuple[Callable[[Store], object], str]] = {
    "by status and type, all time": (lambda s: s.job_stats.by_status_and_type(), "ix_jobs_stats"),
    "by status and type, 30 days": (lambda s: s.job_stats.by_status_and_type(MONTH), "ix_jobs_stats"),
    "Facebook jobs, 30 days": (lambda s: s.job_stats.by_status_and_type(MONTH, FB), "ix_jobs_stats"),
    "histogram, all time": (lambda s: s.job_stats.by_status_and_type(histogram=True), "ix_jobs_stats"),
    "list counts, all time": (lambda s: s.job_stats.by_status_and_type(counts_only=True), "ix_jobs_stats"),
    "users, all time": (lambda s: s.job_stats.users(None, None, 10), "ix_jobs_user_stats"),
    "templates, all time": (lambda s: s.job_stats.top_templates(None, None, 50), "ix_jobs_template_stats"),
}


@pytest.mark.parametrize("name", list(AGGREGATES))
def test_aggregates_read_their_covering_index(seeded: tuple[Store, Engine], name: str) -> None:
    call, index = AGGREGATES[name]
    [plan] = plans(seeded, call)
    if is_sqlite(seeded):
        assert f"USING COVERING INDEX {index}" in plan, plan
        if name.startswith(("by status", "list counts")):
            # One range per (status, task type), in GROUP BY order: no sort at all.
            assert "TEMP B-TREE" not in plan, plan
    elif "30 days" not in name:
        assert f"Index Only Scan using {index}" in plan, plan
    else:
        # A month of a year: PostgreSQL weighs the covering index against the created_at
        # range; either way no table scan.
        assert "Index" in plan and "Seq Scan" not in plan, plan


def test_windowed_users_and_templates_never_scan_the_table(seeded: tuple[Store, Engine]) -> None:
    for call in (
        lambda s: s.job_stats.users(MONTH, None, 10),
        lambda s: s.job_stats.users(MONTH, FB, 0),
        lambda s: s.job_stats.top_templates(MONTH, FB, 50),
    ):
        [plan] = plans(seeded, call)
        assert "INDEX" in plan.upper() and "Seq Scan" not in plan and "SCAN jobs |" not in f"{plan} |", plan


# The index each sort's keyset page seeks (either of two where the database may pick).
PAGE_INDEXES = {
    "created_at": ("ix_jobs_created",),
    "status": ("ix_jobs_status_id",),
    "task_type": ("ix_jobs_task_type_id",),
    "user_email": ("ix_jobs_user_email_id", "ix_jobs_user_stats"),
    "started_at": ("ix_jobs_started_at_id",),
    "finished_at": ("ix_jobs_finished_at_id",),
    "job_id": ("sqlite_autoindex_jobs_1", "jobs_pkey"),
}


@pytest.mark.parametrize("sort", sorted(f"{sign}{name}" for name in PAGE_INDEXES for sign in ("", "-")))
def test_a_page_far_in_seeks_its_index(seeded: tuple[Store, Engine], sort: str) -> None:
    store, _ = seeded
    # The position of the 3,001st job of all time, as a cursor would carry it.
    [job] = store.job_pages.page(JobFilter(), sort, 1, offset=3_000).jobs
    key = Ordering.of(sort).key_of(job)
    for plan in plans(seeded, lambda s: s.job_pages.page(JobFilter(), sort, 50, after=key)):
        assert any(index in plan for index in PAGE_INDEXES[sort.removeprefix("-")]), plan
        if is_sqlite(seeded):
            assert "SCAN jobs |" not in f"{plan} |", plan  # no full scan of the table
            # Sorting is left only to ties: rows of one created_at, or within each value.
            if "USE TEMP B-TREE FOR ORDER BY" in plan:
                assert "created_at=?" in plan, plan
        else:
            assert "Seq Scan" not in plan, plan
            assert "Sort Key" not in plan or "Incremental Sort" in plan or "Sort Key: job_id" in plan, plan


def test_the_capped_count_reads_an_index(seeded: tuple[Store, Engine]) -> None:
    [plan] = plans(seeded, lambda s: s.job_pages.count(JobFilter(since=MONTH), 10_001))
    assert "ix_jobs_created" in plan, plan


def test_the_seed_is_what_the_plans_assume(seeded: tuple[Store, Engine], tmp_path: Path) -> None:
    store, _ = seeded
    assert store.job_pages.count(JobFilter(), JOBS + 1) == JOBS
    assert 200 < store.job_pages.count(JobFilter(since=MONTH), JOBS) < 600
