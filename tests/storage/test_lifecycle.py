"""Contract: opening, re-initialising and pinging a store; how times are normalised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketing_etl.models import JobFilter
from marketing_etl.storage import Store
from tests.storage.factory import T0, make_job


def test_init_is_idempotent_and_keeps_data(store: Store) -> None:
    store.insert_job(make_job("kept"))
    store.init()  # open_store already ran it once
    store.init()
    assert store.get_job("kept") == make_job("kept")
    assert store.insert_job(make_job("kept")) is False


def test_ping(store: Store) -> None:
    store.ping()


def test_naive_times_are_taken_as_utc(store: Store) -> None:
    naive_t0 = T0.replace(tzinfo=None)
    store.insert_job(make_job("n", created_at=naive_t0 + timedelta(minutes=1)))
    got = store.get_job("n")
    assert got is not None and got.created_at == datetime(2026, 3, 1, 9, 1, tzinfo=UTC)
    page, total = store.list_jobs(JobFilter(since=naive_t0 + timedelta(minutes=1)), 0, 10)
    assert (total, [job.job_id for job in page]) == (1, ["n"])
    assert store.list_jobs(JobFilter(since=naive_t0 + timedelta(minutes=2)), 0, 10) == ([], 0)
