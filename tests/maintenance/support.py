"""For the pruning tests: an old finished job, a large expired history seeded quickly, and a
running job whose progress writes are timed while a pass runs."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import sqlalchemy as sa

from marketing_etl.contracts.store import Store
from marketing_etl.models import ApiCall, JobStatus, LogLine, utcnow
from marketing_etl.storage.sql_schema import UtcDateTime, api_calls, create_engine
from tests.storage.factory import make_job

CALLS_PER_JOB = 1_000
# A Facebook job makes about 100 calls in a row, so records come in runs of one job's.
CALLS_PER_RUN = 100
# Rows per INSERT ... SELECT: SQLite's recursive CTE and PostgreSQL both produce them in one go.
SEED_CHUNK_ROWS = 100_000
# Past every default retention.
OLD = timedelta(days=500)


def seed_expired_calls(
    store: Store, database_url: str, rows: int, ts: datetime, created_at: datetime
) -> None:
    """`rows` API-call records at `ts`, CALLS_PER_JOB per SUCCESS job created at `created_at`,
    in runs of CALLS_PER_RUN per job.
    The records go in with INSERT ... SELECT: the store's per-call write path would spend
    minutes on a million rows that only need to exist to be deleted."""
    job_count = max(1, rows // CALLS_PER_JOB)
    for n in range(job_count):
        store.insert_job(make_job(f"old-{n}", created_at=created_at, status=JobStatus.SUCCESS))
    engine = create_engine(database_url)
    try:
        for first in range(0, rows, SEED_CHUNK_ROWS):
            with engine.begin() as conn:
                conn.execute(_insert_calls(first, min(rows, first + SEED_CHUNK_ROWS), job_count, ts))
    finally:
        engine.dispose()


def _insert_calls(first: int, end: int, job_count: int, ts: datetime) -> sa.Insert:
    start = sa.select(sa.literal(first).label("i")).cte("n", recursive=True)
    numbers = start.union_all(sa.select(start.c.i + 1).where(start.c.i + 1 < end))
    job_id = sa.literal("old-") + sa.cast((numbers.c.i // CALLS_PER_RUN) % job_count, sa.String)
    values = sa.select(
        job_id,
        sa.literal(ts, UtcDateTime),
        sa.literal("facebook"),
        sa.literal("act_1/insights"),
        sa.literal(200),
        sa.literal(120.0),
        sa.literal({"call_count": 12}, sa.JSON),
    )
    columns = ["job_id", "ts", "platform", "endpoint", "http_status", "duration_ms", "usage"]
    return sa.insert(api_calls).from_select(columns, values.select_from(numbers))


class ProgressWriter:
    """A RUNNING job's worker: one progress write every `every_s`, each one timed."""

    def __init__(self, store: Store, job_id: str, every_s: float = 0.01) -> None:
        self._store = store
        self._job_id = job_id
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="progress-writer", daemon=True)
        self.waits_s: list[float] = []

    def __enter__(self) -> ProgressWriter:
        self._store.insert_job(make_job(self._job_id, status=JobStatus.RUNNING))
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        progress = 0
        while not self._stop.is_set():
            progress = (progress + 1) % 100
            started = time.monotonic()
            self._store.update_job(self._job_id, progress=progress)
            self.waits_s.append(time.monotonic() - started)
            self._stop.wait(self._every_s)


def add_old_job(store: Store, job_id: str, calls: int = 1) -> None:
    created = utcnow() - OLD
    store.insert_job(make_job(job_id, created_at=created, status=JobStatus.SUCCESS))
    store.append_logs([LogLine(job_id=job_id, ts=created, message="Job accepted")])
    store.record_api_calls(
        [ApiCall(job_id=job_id, ts=created, platform="tiktok", endpoint="report", duration_ms=1)] * calls
    )
