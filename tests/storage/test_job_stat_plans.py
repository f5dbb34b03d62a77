"""The dashboard's hot job queries use the indexes made for them (sql_schema.py), on SQLite
(EXPLAIN QUERY PLAN) and PostgreSQL (EXPLAIN): the aggregates read the job rollups' primary key
(sql_job_rollups.py) and, for a window's first hours, covering indexes of jobs instead of the
table; keyset pages seek a (column, job_id) index instead of sorting.

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

from marketing_etl.contracts.store import Store
from marketing_etl.models import Job, JobFilter, JobStatus
from marketing_etl.storage.common import job_record
from marketing_etl.storage.keyset import Ordering
from marketing_etl.storage.sql_schema import create_engine, jobs
from marketing_etl.wiring import open_store
from tests.plugins import TASK_TYPES
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
        task_type = rng.choice(TASK_TYPES)
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


ALL_TIME: dict[str, tuple[Callable[[Store], object], str]] = {
    "by status and type": (lambda s: s.job_stats.by_status_and_type(), "job_status_rollups"),
    "histogram": (lambda s: s.job_stats.by_status_and_type(histogram=True), "job_status_rollups"),
    "list counts": (lambda s: s.job_stats.by_status_and_type(counts_only=True), "job_status_rollups"),
    "users": (lambda s: s.job_stats.users(None, None, 10), "job_user_rollups"),
    "templates": (lambda s: s.job_stats.top_templates(None, None, 50), "job_template_rollups"),
}
# A month up to T0 (09:00): 29 whole days from the rollups, 15 hours of jobs read one by one,
# which SQLite finds in a covering index or by their creation time.
BY_TIME = "SEARCH jobs USING INDEX ix_jobs_created (created_at>? AND created_at<?)"
MONTHLY: dict[str, tuple[Callable[[Store], object], str, str]] = {
    "by status and type": (
        lambda s: s.job_stats.by_status_and_type(MONTH),
        "job_status_rollups",
        "SEARCH jobs USING COVERING INDEX ix_jobs_stats",
    ),
    "Facebook jobs": (
        lambda s: s.job_stats.by_status_and_type(MONTH, FB),
        "job_status_rollups",
        "SEARCH jobs USING COVERING INDEX ix_jobs_stats",
    ),
    "users": (lambda s: s.job_stats.users(MONTH, None, 10), "job_user_rollups", BY_TIME),
    "templates": (lambda s: s.job_stats.top_templates(MONTH, FB, 50), "job_template_rollups", BY_TIME),
}


def reads_no_job(plan: str) -> bool:
    return "jobs USING" not in plan and "SCAN jobs" not in plan and " on jobs " not in f"{plan} "


@pytest.mark.parametrize("name", list(ALL_TIME))
def test_all_time_figures_read_only_the_all_time_rollup_rows(seeded: tuple[Store, Engine], name: str) -> None:
    call, table = ALL_TIME[name]
    [plan] = plans(seeded, call)
    if is_sqlite(seeded):
        assert f"SEARCH {table} USING PRIMARY KEY (span_s=?)" in plan, plan
    else:
        assert f"{table}_pkey" in plan and "Index Cond: (span_s = 0)" in plan, plan
    assert reads_no_job(plan), plan


@pytest.mark.parametrize("name", list(MONTHLY))
def test_a_window_reads_a_range_of_rollup_days_and_its_first_hours_of_jobs(
    seeded: tuple[Store, Engine], name: str
) -> None:
    call, table, jobs_part = MONTHLY[name]
    [plan] = plans(seeded, call)
    if is_sqlite(seeded):
        assert f"SEARCH {table} USING PRIMARY KEY (span_s=? AND day_start>?)" in plan, plan
        assert jobs_part in plan, plan
    else:
        assert f"{table}_pkey" in plan, plan
        # A few hours of a year: PostgreSQL weighs the covering index against the created_at
        # range; either way no table scan.
        assert "Index" in plan and "Seq Scan on jobs" not in plan, plan
    assert "SCAN jobs |" not in f"{plan} |", plan


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
