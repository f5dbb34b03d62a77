"""Upgrading SQL databases with Alembic (storage/sql_migrate.py, storage/migrations/).

The previous release's database (fixtures/release_8b0dde4.*.sql, its schema and rows as that
release wrote them) upgrades to the newest revision with every job, log line, token and schedule
intact and the dashboard's figures right; a new database gets the newest revision directly and
its schema is the one the code declares; processes starting together migrate once.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import timedelta
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from marketing_etl.models import LogLine
from marketing_etl.settings import Settings
from marketing_etl.storage.sql import SqlStore
from marketing_etl.storage.sql_migrate import alembic_config, current_revision, head_revision, upgrade
from marketing_etl.storage.sql_schema import create_engine, metadata
from marketing_etl.tokens import load_fernet
from marketing_etl.wiring import open_store
from tests.services import postgres_schema
from tests.storage.factory import make_job
from tests.storage.previous_release import (
    FIXTURE_JOBS,
    FIXTURE_LOGS,
    FIXTURE_T0,
    FIXTURE_TOKENS,
    SECRET_KEY,
    load_previous_release,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobs.db'}"
    else:
        with postgres_schema() as schema_url:
            yield schema_url


def schema_differences(url: str) -> list[object]:
    """What Alembic's autogenerate would change to make the database match the code's tables."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(
                compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
            )
    finally:
        engine.dispose()


def test_the_previous_release_upgrades_with_everything_intact(url: str) -> None:
    load_previous_release(url)
    assert current_revision(url) is None  # from before migrations

    store = open_store(url)
    try:
        assert current_revision(url) == head_revision()
        assert schema_differences(url) == []
        fernet = load_fernet(Settings(_env_file=None, secret_key=SECRET_KEY))
        for job_id, status in FIXTURE_JOBS.items():
            job = store.get_job(job_id)
            assert job is not None and job.status is status
            assert job.queued_at == job.created_at  # a column the release lacked, read as before
            assert [line.message for line in store.get_logs(job_id)] == FIXTURE_LOGS[job_id]
            ciphertext = store.get_token(job_id, FIXTURE_T0)
            assert ciphertext is not None and fernet.decrypt(ciphertext).decode() == FIXTURE_TOKENS[job_id]
        done = store.get_job("done-1")
        assert done is not None and (done.rows_written, done.spec.template_name) == (420, "Weekly")
        assert done.duration_s == 120
        schedule_token = store.schedules.token("sched-1")
        assert schedule_token is not None and fernet.decrypt(schedule_token) == b"EAAB-token-schedule"
        assert [call.endpoint for call in store.get_api_calls("failed-1")] == ["report/integrated/get"]
        assert store.rollups.by_platform(0, None)["facebook"].calls == 1

        # The dashboard's figures, from the job rollups the upgrade filled.
        stats = store.job_stats
        assert {key: f.jobs for key, f in stats.by_status_and_type().items()} == {
            ("SUCCESS", "facebook_daily"): 1,
            ("FAILED", "product"): 1,
            ("QUEUED", "facebook_daily"): 1,
        }
        assert stats.top_templates(None, None, 10) == [("Weekly", 1)]
        assert stats.users(None, None, 10).distinct == 2

        # Writing goes on where the release left off.
        store.append_logs([LogLine(job_id="done-1", message="after the upgrade")])
        assert [line.seq for line in store.get_logs("done-1")] == [1, 2, 3, 4]
        assert store.insert_job(make_job("after-upgrade", created_at=FIXTURE_T0))
        assert stats.by_status_and_type()[("QUEUED", "facebook_daily")].jobs == 2
    finally:
        store.close()


def test_a_new_database_gets_the_newest_revision_and_the_code_s_schema(url: str) -> None:
    first = upgrade(url)
    assert (first.before, first.after) == (None, head_revision())
    assert schema_differences(url) == []
    again = upgrade(url)  # nothing to do
    assert (again.before, again.after) == (head_revision(), head_revision())


def test_the_schema_comparison_sees_a_column_the_revisions_lack(url: str) -> None:
    """The check above can fail: a column added in code without a revision shows."""
    upgrade(url)
    engine = create_engine(url)
    drifted = sa.MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["schedules"].append_column(sa.Column("refresh_days", sa.Integer))
    try:
        with engine.connect() as conn:
            found = compare_metadata(MigrationContext.configure(conn), drifted)
    finally:
        engine.dispose()
    assert [(diff[0], diff[3].name) for diff in found if isinstance(diff, tuple)] == [
        ("add_column", "refresh_days")
    ]


def test_a_database_from_the_first_releases_gets_the_columns_added_since(url: str) -> None:
    """Before queued_at and next_resend_at existed: the baseline revision adds them."""
    load_previous_release(url)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for name in ("queued_at", "next_resend_at"):
                conn.exec_driver_sql(f"ALTER TABLE jobs DROP COLUMN {name}")
    finally:
        engine.dispose()
    store = open_store(url)
    try:
        queued = store.get_job("queued-1")
        assert queued is not None and queued.queued_at == queued.created_at
        later = FIXTURE_T0 + timedelta(hours=1)
        assert [job.job_id for job in store.queue.due_for_resend(later, later, 10)] == ["queued-1"]
        assert schema_differences(url) == []
    finally:
        store.close()


def test_a_database_from_a_newer_version_is_refused(url: str) -> None:
    upgrade(url)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    finally:
        engine.dispose()
    with pytest.raises(
        RuntimeError, match="revision 9999, which this version of marketing-etl does not know"
    ):
        upgrade(url)


def _start(url: str, barrier: Barrier) -> None:
    store = SqlStore(url)
    try:
        barrier.wait(30)
        store.init()
    finally:
        store.close()


def test_three_processes_starting_together_migrate_once(url: str) -> None:
    load_previous_release(url)
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(3)
    processes = [spawn.Process(target=_start, args=(url, barrier)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [process.exitcode for process in processes] == [0, 0, 0]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            versions = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    finally:
        engine.dispose()
    assert versions == [head_revision()]
    store = SqlStore(url)
    try:
        # Filled once: a second fill would have counted every job twice.
        assert sum(f.jobs for f in store.job_stats.by_status_and_type().values()) == len(FIXTURE_JOBS)
    finally:
        store.close()


def test_the_revisions_step_down_to_nothing_and_up_again(url: str) -> None:
    upgrade(url)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        with engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() == ["alembic_version"]
    finally:
        engine.dispose()
    assert upgrade(url).after == head_revision()
    assert schema_differences(url) == []
