"""A year of job history in a store, written the way the service writes it: `insert_job` (QUEUED),
then `transition` to RUNNING and on to the final status with its times and rows.

Deterministic for a given seed: the same jobs, users, templates and times every run (relative to
`now`), so two stores seeded alike can be compared. Used by benchmarks/dashboard_jobs.py.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from marketing_etl.contracts.store import Store
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import Job, JobStatus

YEAR = timedelta(days=365)
USERS = [f"user{i:03d}@{('brand', 'agency', 'shop')[i % 3]}.example" for i in range(150)]
TEMPLATES = [f"Template {i:02d}" for i in range(24)]
TASK_WEIGHTS = {
    "facebook_daily": 40,
    "facebook_performance": 20,
    "facebook_breakdown": 15,
    "product": 15,
    "creative": 10,
}
FINAL_WEIGHTS = {JobStatus.SUCCESS: 86, JobStatus.FAILED: 9, JobStatus.CANCELLED: 5}


def _spec(rng: random.Random, job_id: str) -> JobSpec:
    task_type = rng.choices(list(TASK_WEIGHTS), weights=list(TASK_WEIGHTS.values()))[0]
    # A few heavy users, a long tail (as a marketing team looks).
    user = USERS[
        min(int(rng.paretovariate(1.2)) - 1, len(USERS) - 1)
        if rng.random() < 0.6
        else rng.randrange(len(USERS))
    ]
    fields: dict[str, object] = {
        "task_type": task_type,
        "job_id": job_id,
        "start_date": "2026-01-01",
        "end_date": "2026-01-31",
        "user_email": user,
        "sheet_name": f"Report {rng.randrange(400)}",
    }
    if task_type in ("product", "creative"):
        fields |= {"advertiser_id": "7012345678901234567", "store_id": "7398765432109876543"}
    else:
        fields["template_name"] = TEMPLATES[min(int(rng.expovariate(0.25)), len(TEMPLATES) - 1)]
    return JobSpec.model_validate(fields)


def plan(count: int, now: datetime, seed: int = 12) -> Iterator[tuple[Job, dict[str, Any] | None]]:
    """(the QUEUED job to insert, the fields of its final transition or None to leave it queued /
    running), oldest first."""
    rng = random.Random(seed)
    ages = sorted((rng.random() * YEAR for _ in range(count)), reverse=True)
    for i, age in enumerate(ages):
        job_id = f"job-{rng.getrandbits(40):010x}-{i:06d}"
        spec = _spec(rng, job_id)
        created = now - age
        job = Job(job_id=job_id, spec=spec, fingerprint=spec.fingerprint(), created_at=created)
        if age < timedelta(minutes=10) and rng.random() < 0.5:
            yield job, None if rng.random() < 0.5 else {"status": JobStatus.RUNNING, "started_at": created}
            continue
        status = rng.choices(list(FINAL_WEIGHTS), weights=list(FINAL_WEIGHTS.values()))[0]
        started = created + timedelta(milliseconds=rng.randrange(200, 20_000))
        finished = started + timedelta(milliseconds=rng.randrange(5_000, 1_800_000))
        if status is JobStatus.CANCELLED and rng.random() < 0.3:
            yield job, {"status": status, "finished_at": started, "message": "Cancelled"}
            continue
        rows = rng.randrange(10, 50_000) if status is JobStatus.SUCCESS else 0
        yield (
            job,
            {
                "status": status,
                "started_at": started,
                "finished_at": finished,
                "rows_written": rows,
                "progress": 100,
            },
        )


def seed(store: Store, count: int, now: datetime, *, threads: int = 1) -> None:
    def write(item: tuple[Job, dict[str, Any] | None]) -> None:
        job, final = item
        assert store.insert_job(job)
        if final is None:
            return
        if final["status"] is JobStatus.RUNNING:
            store.transition(job.job_id, [JobStatus.QUEUED], **final)
            return
        if "started_at" in final:
            store.transition(
                job.job_id, [JobStatus.QUEUED], status=JobStatus.RUNNING, started_at=final["started_at"]
            )
            store.transition(job.job_id, [JobStatus.RUNNING], **final)
        else:
            store.transition(job.job_id, [JobStatus.QUEUED], **final)

    if threads <= 1:
        for item in plan(count, now):
            write(item)
        return
    with ThreadPoolExecutor(threads) as pool:
        for _ in pool.map(write, plan(count, now), chunksize=64):
            pass
