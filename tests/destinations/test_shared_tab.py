"""Many jobs writing to one tab at once: one writer at a time, every row exactly once.

Jobs run on the real local executor (a pool of threads claiming from SQLite) against the fake
Sheets API over loopback; the tab's lease lives in the store, as it does between Celery workers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from marketing_etl import jobs
from marketing_etl.destinations.sheets.tab_lock import lock_name
from marketing_etl.executors.local import LocalExecutor
from marketing_etl.models import JobStatus, utcnow
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from tests.destinations.conftest import EMAIL, SID, Env, make_env
from tests.executors.support import wait_for_status

FINAL = [JobStatus.SUCCESS, JobStatus.FAILED, JobStatus.CANCELLED]


@pytest.fixture
def pooled(tmp_path: Path, google_server: tuple[FakeGoogle, Path], google: FakeGoogle) -> Iterator[Env]:
    # Google's per-user read quota (60 a minute) is not what these tests are about.
    google.quota_per_minute = 10_000
    yield from make_env(tmp_path, google_server, max_concurrent_jobs=10)


@pytest.fixture
def executor(pooled: Env) -> Iterator[LocalExecutor]:
    pool = LocalExecutor(pooled.services, poll_interval_s=0.1)
    pool.start()
    try:
        yield pool
    finally:
        pool.shutdown(wait_s=10)


def _hold(env: Env, owner: str, holder: str, lease_s: float) -> None:
    """Another worker holds tab 'Shared' (mid-write elsewhere, or dead with its lease running)."""
    now = utcnow()
    taken = env.services.store.locks.acquire(
        lock_name(SID, "Shared"), label=f"{SID}/Shared", owner=owner, holder=holder,
        lease_until=now + timedelta(seconds=lease_s), now=now,
    )
    assert taken is None


def _data_rows(google: FakeGoogle, title: str) -> list[list[object]]:
    values = google.books[SID].tab(title).values()
    assert values[0][:2] == ["job", "date"], values[:1]
    return values[1:]


def test_fifty_jobs_appending_to_one_tab_keep_every_row_once(
    pooled: Env, google: FakeGoogle, executor: LocalExecutor
) -> None:
    google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Sheet1": (1000, 26)})
    job_ids = [pooled.queue(template_name="rows=2;label=1", sheet_name="Shared") for _ in range(50)]
    for job_id in job_ids:
        executor.submit(job_id)

    finished = [wait_for_status(pooled.services.store, job_id, FINAL, 180) for job_id in job_ids]

    failed = [(j.job_id, j.message) for j in finished if j.status is not JobStatus.SUCCESS]
    assert not failed, failed
    assert all(job.rows_written == 2 for job in finished)
    rows = _data_rows(google, "Shared")
    assert len(rows) == 100
    assert Counter((row[0], row[2]) for row in rows) == Counter((j, n) for j in job_ids for n in (0, 1))
    waited = [j for j in job_ids if "to finish writing tab 'Shared'" in pooled.logs(j)]
    assert waited, "with ten jobs at once, some must have waited for the tab"


def test_a_busy_tab_makes_only_its_own_writers_wait(
    pooled: Env, google: FakeGoogle, executor: LocalExecutor
) -> None:
    google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Sheet1": (1000, 26)})
    _hold(pooled, "elsewhere", "job-elsewhere", lease_s=60)
    waiting = pooled.queue(template_name="rows=3;label=1", sheet_name="shared")  # same tab: case
    other = pooled.queue(template_name="rows=3;label=1", sheet_name="Other")
    executor.submit(waiting)
    executor.submit(other)

    assert wait_for_status(pooled.services.store, other, FINAL, 30).status is JobStatus.SUCCESS
    held = pooled.services.store.get_job(waiting)
    assert held is not None and held.status is JobStatus.RUNNING
    assert held.message == "Waiting for job job-elsewhere to finish writing tab 'shared'"
    assert google.books[SID].find("shared") is None  # it has not even looked at the tab

    pooled.services.store.locks.release(lock_name(SID, "Shared"), "elsewhere")
    done = wait_for_status(pooled.services.store, waiting, FINAL, 30)
    assert done.status is JobStatus.SUCCESS, done.message
    assert len(_data_rows(google, "shared")) == 3
    assert "Tab 'shared' is free now; writing to it." in pooled.logs(waiting)


def test_the_tab_of_a_worker_that_died_is_taken_over_after_its_lease(
    pooled: Env, google: FakeGoogle, executor: LocalExecutor
) -> None:
    google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Sheet1": (1000, 26)})
    _hold(pooled, "killed-worker", "job-dead", lease_s=2)
    job_id = pooled.queue(template_name="rows=2;label=1", sheet_name="Shared")
    executor.submit(job_id)

    done = wait_for_status(pooled.services.store, job_id, FINAL, 30)

    assert done.status is JobStatus.SUCCESS, done.message
    assert "Waiting for job job-dead to finish writing tab 'Shared'" in pooled.logs(job_id)
    assert pooled.services.store.locks.current(lock_name(SID, "Shared"), utcnow()) is None


def test_a_cancel_reaches_a_job_waiting_for_a_tab(
    pooled: Env, google: FakeGoogle, executor: LocalExecutor
) -> None:
    google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Sheet1": (1000, 26)})
    _hold(pooled, "elsewhere", "job-elsewhere", lease_s=60)
    job_id = pooled.queue(template_name="rows=2;label=1", sheet_name="Shared")
    executor.submit(job_id)
    wait_for_status(pooled.services.store, job_id, [JobStatus.RUNNING], 15)
    assert jobs.cancel_job(pooled.services, job_id).cancel_requested

    done = wait_for_status(pooled.services.store, job_id, FINAL, 15)

    assert done.status is JobStatus.CANCELLED
    assert "Nothing was written" in done.message
    current = pooled.services.store.locks.current(lock_name(SID, "Shared"), utcnow())
    assert current is not None and current.holder == "job-elsewhere"
