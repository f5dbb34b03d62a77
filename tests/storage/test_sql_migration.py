"""An SQL database created before a column existed keeps working: init() adds the column."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketing_etl.models import JobStatus
from marketing_etl.storage.sql import SqlStore
from marketing_etl.storage.sql_migrate import add_column
from marketing_etl.storage.sql_schema import jobs
from marketing_etl.wiring import open_store
from tests.services import postgres_schema
from tests.storage.factory import T0, make_job

ADDED_LATER = ("queued_at", "next_resend_at")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
    else:
        with postgres_schema() as schema_url:
            yield schema_url


def make_old_database(url: str) -> None:
    """The jobs table as the first release created it (without the later columns), holding a
    queued job."""
    store = SqlStore(url)
    try:
        store.init()
        store.insert_job(make_job("from-before", minute=5))
        engine = sa.create_engine(_driver_url(url))
        with engine.begin() as conn:
            for name in ADDED_LATER:
                conn.exec_driver_sql(f"ALTER TABLE jobs DROP COLUMN {name}")
        engine.dispose()
    finally:
        store.close()


def _driver_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def column_names(url: str) -> set[str]:
    engine = sa.create_engine(_driver_url(url))
    try:
        with engine.connect() as conn:
            return {column["name"] for column in sa.inspect(conn).get_columns("jobs")}
    finally:
        engine.dispose()


def test_init_adds_the_missing_columns_and_the_old_rows_keep_working(url: str) -> None:
    make_old_database(url)
    assert not set(ADDED_LATER) & column_names(url)

    store = open_store(url)  # runs init()
    try:
        assert set(ADDED_LATER) <= column_names(url)
        old = store.get_job("from-before")
        assert old is not None
        assert (old.status, old.queued_at, old.next_resend_at) == (JobStatus.QUEUED, old.created_at, None)
        assert old.created_at == T0 + timedelta(minutes=5)
        assert store.metrics.queue_summary().oldest_queued_at == old.created_at
        later = T0 + timedelta(hours=1)
        assert [job.job_id for job in store.queue.due_for_resend(later, later, 10)] == ["from-before"]
        assert store.queue.defer_resend("from-before", None, later) is True
        assert store.claim("from-before", "w", later, later) is not None
        assert store.insert_job(make_job("after-upgrade", minute=9)) is True
        new = store.get_job("after-upgrade")
        assert new is not None and new.queued_at == T0 + timedelta(minutes=9)
        store.init()  # idempotent once the columns are there
    finally:
        store.close()


def test_a_column_another_process_added_meanwhile_is_left_alone(url: str) -> None:
    store = open_store(url)
    engine = sa.create_engine(_driver_url(url))
    try:
        with engine.begin() as conn:
            add_column(conn, jobs, jobs.c.queued_at)  # already there: no error, no change
        assert "queued_at" in column_names(url)
    finally:
        engine.dispose()
        store.close()
