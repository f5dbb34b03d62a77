"""SQLite under write contention: this process's writers queue in order, and storing a new job
rides out another process's write lock, or gives up having stored nothing."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from marketing_etl.contracts.store import StoreBusy
from marketing_etl.models import LogLine
from marketing_etl.storage import sql_schema
from marketing_etl.storage.sql import SqlStore
from marketing_etl.storage.sqlite_writes import FairLock
from tests.storage.factory import T0, make_job

# Short, so that a test sees several tries within a lock held for a second or two.
BUSY_TIMEOUT_MS = 200


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "busy.db"


def open_sqlite(db_path: Path, busy_budget_s: float, monkeypatch: pytest.MonkeyPatch) -> SqlStore:
    monkeypatch.setattr(sql_schema, "SQLITE_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS)
    store = SqlStore(f"sqlite:///{db_path}", busy_budget_s=busy_budget_s)
    store.init()
    return store


@contextmanager
def write_lock_held(db_path: Path, hold_s: float) -> Iterator[None]:
    """Another process's writer, as SQLite sees it: a connection outside the engine holding
    the write lock for hold_s (released early if the block ends first)."""
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    released = threading.Event()
    timer = threading.Timer(hold_s, released.set)
    timer.start()
    holder = threading.Thread(target=lambda: (released.wait(), other.execute("COMMIT")))
    holder.start()
    try:
        yield
    finally:
        released.set()
        timer.cancel()
        holder.join()
        other.close()


def accepted(job_id: str) -> list[LogLine]:
    return [LogLine(job_id=job_id, message="Job accepted: facebook_daily for ann@example.com")]


def test_insert_waits_out_another_writer_and_stores_everything(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_sqlite(db_path, busy_budget_s=10, monkeypatch=monkeypatch)
    try:
        with write_lock_held(db_path, hold_s=1.5):
            started = time.monotonic()
            assert store.insert_job(make_job("waited"), b"cipher", accepted("waited")) is True
            waited_s = time.monotonic() - started
        assert waited_s >= 1.2, "the insert cannot have been stored while the lock was held"
        assert store.get_job("waited") is not None
        assert store.get_token("waited", T0) == b"cipher"
        assert [(line.seq, line.message[:13]) for line in store.get_logs("waited")] == [(1, "Job accepted:")]
    finally:
        store.close()


def test_insert_gives_up_after_its_budget_having_stored_nothing(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_sqlite(db_path, busy_budget_s=0.6, monkeypatch=monkeypatch)
    try:
        with write_lock_held(db_path, hold_s=30):
            started = time.monotonic()
            with pytest.raises(StoreBusy, match="locked"):
                store.insert_job(make_job("gave-up"), b"cipher", accepted("gave-up"))
            assert time.monotonic() - started < 0.6 + 2 * BUSY_TIMEOUT_MS / 1000 + 0.5
        assert store.get_job("gave-up") is None
        assert store.get_token("gave-up", T0) is None
        assert store.get_logs("gave-up") == []
        assert store.insert_job(make_job("gave-up"), b"cipher", accepted("gave-up")) is True
    finally:
        store.close()


def test_writers_of_one_process_are_served_in_arrival_order() -> None:
    lock = FairLock()
    assert lock.acquire(timeout_s=1)
    served: list[int] = []

    def writer(i: int) -> None:
        assert lock.acquire(timeout_s=10)
        served.append(i)
        lock.release()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)  # each is queued before the next arrives
    lock.release()
    for thread in threads:
        thread.join(timeout=10)
    assert served == list(range(6))


def test_a_writer_that_times_out_leaves_the_queue_working() -> None:
    lock = FairLock()
    assert lock.acquire(timeout_s=1)
    assert lock.acquire(timeout_s=0.05) is False
    lock.release()
    assert lock.acquire(timeout_s=0.05) is True
    lock.release()
