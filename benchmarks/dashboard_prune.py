"""One pruning pass over expired API-call records while a job keeps writing its progress.

The expired history is old jobs (finished before API_CALL_RETENTION_DAYS) with 100 calls each,
as a Facebook job records; the pass must delete those calls without holding a lock long enough
to delay a running job's progress write (update_job + append_logs every 50 ms) noticeably.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from benchmarks.dashboard_seed import plan, write
from marketing_etl.maintenance import PruneReport, prune_once
from marketing_etl.models import JobStatus, LogLine
from marketing_etl.services import Services

CALLS_PER_OLD_JOB = 100
WRITE_EVERY_S = 0.05


def seed_expired(
    services: Services, calls: int, now: datetime, threads: int, progress: Callable[[int], None]
) -> int:
    """Old finished jobs with `calls` API calls in all (whole jobs: rounded up), every one of
    them past the API-call retention. Returns the number of calls written."""
    jobs = -(-calls // CALLS_PER_OLD_JOB)
    older_than = timedelta(days=services.settings.api_call_retention_days + 5)
    old = plan(jobs, CALLS_PER_OLD_JOB, 30, now, older_than=older_than, prefix="bench-old", seed=40)
    write(services.store, old, threads, progress)
    return jobs * CALLS_PER_OLD_JOB


def _start_running_job(services: Services, now: datetime) -> str:
    job = next(plan(1, 0, 0, now, prefix="bench-progress", seed=1)).job
    running = job.model_copy(
        update={
            "status": JobStatus.RUNNING,
            "started_at": now,
            "finished_at": None,
            "rows_written": 0,
            "destination_url": None,
            "message": "Writing rows",
            "progress": 1,
        }
    )
    assert services.store.insert_job(running)
    return running.job_id


def prune_while_writing(services: Services, now: datetime) -> tuple[PruneReport, list[float]]:
    """One prune_once pass, timed by the pass itself, and the duration of every progress write
    a running job made meanwhile."""
    job_id = _start_running_job(services, now)
    stop = threading.Event()
    writes_ms: list[float] = []

    def keep_writing() -> None:
        written = 0
        while not stop.wait(WRITE_EVERY_S):
            written += 1
            started = time.perf_counter()
            services.store.update_job(job_id, progress=written % 100, message=f"Wrote chunk {written}")
            services.store.append_logs([LogLine(job_id=job_id, message=f"Wrote chunk {written}")])
            writes_ms.append((time.perf_counter() - started) * 1000)

    writer = threading.Thread(target=keep_writing, name="bench-progress-writer")
    writer.start()
    try:
        report = prune_once(services, now)
    finally:
        stop.set()
        writer.join()
    return report, writes_ms
