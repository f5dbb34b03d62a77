"""Contract: opening, re-initialising and pinging a store; how times are normalised."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketing_etl.contracts.store import Store
from marketing_etl.models import JobFilter
from tests.executors.support import free_port
from tests.storage.factory import T0, make_job


def test_init_is_idempotent_and_keeps_data(store: Store) -> None:
    store.insert_job(make_job("kept"))
    store.init()  # open_store already ran it once
    store.init()
    assert store.get_job("kept") == make_job("kept")
    assert store.insert_job(make_job("kept")) is False


def test_ping(store: Store, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """ping answers on an open store and raises once the database cannot be reached. What
    "cannot be reached" can be made to mean differs per backend:

    - SQLite: close() only empties SQLAlchemy's pool (the next ping would reconnect), so after
      it the database's directory is removed; the reconnect then fails.
    - PostgreSQL: close() likewise leaves a reconnect possible, and the shared test server cannot
      be taken away, so the same store class is pointed at a local port nobody listens on.
    - MongoDB: a real server's client refuses any use after close(). mongomock's close() does
      nothing and its ping keeps answering, so on mongomock only "ping succeeds, even after
      close" is observable; the test checks that, so a change in mongomock shows up here.
    """
    store.ping()  # answers (raises if it cannot reach the database)
    backend = request.node.callspec.params["store"]
    if backend == "sqlite":
        store.close()
        shutil.rmtree(tmp_path / "store")
        with pytest.raises(sa.exc.OperationalError, match="unable to open database file"):
            store.ping()
    elif backend == "postgresql":
        from marketing_etl.storage.sql import SqlStore

        unreachable = SqlStore(f"postgresql://postgres@127.0.0.1:{free_port()}/test")
        try:
            with pytest.raises(sa.exc.OperationalError, match="refused"):
                unreachable.ping()
        finally:
            unreachable.close()
        store.ping()  # the real server still answers
    elif os.environ.get("MONGO_TEST_URI"):
        from pymongo.errors import InvalidOperation

        store.close()
        with pytest.raises(InvalidOperation, match="after close"):
            store.ping()
    else:
        store.close()
        store.ping()  # mongomock: close() is a no-op and ping still answers, see the docstring


def test_naive_times_are_taken_as_utc(store: Store) -> None:
    naive_t0 = T0.replace(tzinfo=None)
    store.insert_job(make_job("n", created_at=naive_t0 + timedelta(minutes=1)))
    got = store.get_job("n")
    assert got is not None and got.created_at == datetime(2026, 3, 1, 9, 1, tzinfo=UTC)
    page, total = store.list_jobs(JobFilter(since=naive_t0 + timedelta(minutes=1)), 0, 10)
    assert (total, [job.job_id for job in page]) == (1, ["n"])
    assert store.list_jobs(JobFilter(since=naive_t0 + timedelta(minutes=2)), 0, 10) == ([], 0)
