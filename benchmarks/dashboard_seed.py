"""A dashboard's worth of history, written through the store's own write path.

Each job goes in with one `insert_job` (already in its final state, with its log lines), and its
API calls follow through `record_api_calls` in batches, as workers record them. Jobs are spread
over the last `days` days with the mix a marketing team produces: mostly successful Facebook
reports, some failed or cancelled, TikTok GMV Max reports, 50 users, a few jobs still queued or
running. Facebook calls carry the usage figures the source records (dashboard/usage.py reads
them), TikTok calls the GMV Max endpoints. Deterministic for a given seed, relative to `now`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from marketing_etl.contracts.store import Store
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import ApiCall, Job, JobStatus, LogLine
from marketing_etl.sources.facebook.catalog import TEMPLATES
from marketing_etl.sources.tiktok.client import REPORT_PATH
from marketing_etl.sources.tiktok.queries import CATALOG_PATH, STORE_LIST_PATH

CALL_BATCH = 1_000
FB_VERSION = "v25.0"
USERS = [
    f"{name}.{n:02d}@{('brand', 'agency', 'shop')[n % 3]}.example"
    for n, name in enumerate(
        ["maria", "tom", "linh", "sam", "anna", "duc", "ngoc", "peter", "hoa", "lan"] * 5
    )
]
# Each user works on a few of the team's ad accounts.
ACCOUNTS = [f"{339410370 + 7919 * n}" for n in range(60)]
TASK_WEIGHTS = {
    "facebook_daily": 40,
    "facebook_performance": 15,
    "facebook_breakdown": 10,
    "product": 20,
    "creative": 15,
}
TIKTOK_TASK_TYPES = ("product", "creative")
FINAL_WEIGHTS = {JobStatus.SUCCESS: 87, JobStatus.FAILED: 9, JobStatus.CANCELLED: 4}
# Jobs younger than this may still be waiting or running.
OPEN_AGE = timedelta(minutes=20)
FAILURES = {
    JobStatus.FAILED: "Facebook refused the access token: it has expired. Send the job with a new one.",
    JobStatus.CANCELLED: "Cancelled by the user",
}


@dataclass
class Seeded:
    job: Job
    calls: list[ApiCall]


def _spec(rng: random.Random, job_id: str, user: int) -> JobSpec:
    task_type = rng.choices(list(TASK_WEIGHTS), weights=list(TASK_WEIGHTS.values()))[0]
    fields: dict[str, object] = {
        "task_type": task_type,
        "job_id": job_id,
        "task_id": f"task-{job_id}",
        "start_date": "2026-10-01",
        "end_date": "2026-10-31",
        "user_email": USERS[user],
        "spreadsheet_id": f"1Bench{user:02d}SpreadsheetId{rng.randrange(20):02d}xxxxxxxxxxxx",
        "sheet_name": f"Report {rng.randrange(200)}",
    }
    if task_type in TIKTOK_TASK_TYPES:
        fields |= {"advertiser_id": f"70{user:02d}3456789012345", "store_id": f"73{user:02d}7654321098765"}
    else:
        mine = ACCOUNTS[user % 20 :: 20]
        fields["accounts"] = [{"id": f"act_{a}", "name": f"Account {a[-4:]}"} for a in rng.sample(mine, 2)]
        fields["template_name"] = rng.choice([t.name for t in TEMPLATES if task_type in t.task_types])
    return JobSpec.model_validate(fields)


def _status(rng: random.Random, age: timedelta) -> JobStatus:
    if age < OPEN_AGE and rng.random() < 0.75:
        return rng.choice([JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RUNNING])
    return rng.choices(list(FINAL_WEIGHTS), weights=list(FINAL_WEIGHTS.values()))[0]


def _job(rng: random.Random, job_id: str, now: datetime, age: timedelta) -> Job:
    spec = _spec(rng, job_id, rng.randrange(len(USERS)))
    created = now - age
    job = Job(job_id=job_id, spec=spec, fingerprint=spec.fingerprint(), created_at=created, queued_at=created)
    status = _status(rng, age)
    if status is JobStatus.QUEUED:
        return job
    started = created + timedelta(seconds=rng.uniform(0.2, 20))
    # Facebook reports over many accounts take minutes; most finish within one.
    run = timedelta(seconds=min(rng.lognormvariate(4.0, 0.9), 3_000))
    if status is JobStatus.RUNNING:
        return job.model_copy(
            update={
                "status": status,
                "started_at": min(started, now),
                "progress": rng.randrange(5, 95),
                "message": "Fetching insights",
                "lease_owner": "bench-worker",
                "lease_expires_at": now + timedelta(days=1),
            }
        )
    finished = started + run
    succeeded = status is JobStatus.SUCCESS
    sheet_url = f"https://docs.google.com/spreadsheets/d/{spec.spreadsheet_id}"
    return job.model_copy(
        update={
            "status": status,
            "started_at": started,
            "finished_at": finished,
            "progress": 100 if succeeded else rng.randrange(0, 90),
            "rows_written": rng.randrange(20, 20_000) if succeeded else 0,
            "message": "Wrote the report to the sheet" if succeeded else FAILURES[status],
            "destination_url": sheet_url if succeeded else None,
        }
    )


def _logs(job: Job) -> list[LogLine]:
    started = job.started_at or job.created_at
    lines = [
        LogLine(job_id=job.job_id, ts=job.created_at, message=f"Job accepted: {job.spec.task_type}"),
        LogLine(job_id=job.job_id, ts=started, message=f"Starting {job.spec.task_type} report"),
    ]
    if job.finished_at is not None:
        level = "INFO" if job.status is JobStatus.SUCCESS else "ERROR"
        lines.append(LogLine(job_id=job.job_id, ts=job.finished_at, level=level, message=job.message))
    return lines


def _fb_call(rng: random.Random, job: Job, ts: datetime, n: int) -> ApiCall:
    account = job.spec.accounts[n % len(job.spec.accounts)].id
    path = account if n == 0 else f"{account}/insights"
    load = min(100.0, rng.betavariate(1.6, 6) * 130)
    status, error = 200, None
    draw = rng.random()
    if draw < 0.01:
        status, error = 400, "(#80004) There have been too many calls to this ad-account."
    elif draw < 0.015:
        status, error = 503, "Service temporarily unavailable"
    usage: dict[str, object] = {
        "app_usage_pct": round(rng.uniform(1, 30), 1),
        "account_usage_pct": round(load, 1),
        "insights_account_usage_pct": round(load * rng.uniform(0.6, 1.0), 1),
        "buc_type": "ads_insights",
        "buc_call_count_pct": round(load * 0.8, 1),
        "buc_total_cputime_pct": round(load * rng.uniform(0.3, 0.9), 1),
        "buc_total_time_pct": round(load * rng.uniform(0.4, 1.0), 1),
        "estimated_time_to_regain_access_min": rng.randrange(1, 15) if load > 95 else 0,
        "ads_api_access_tier": "standard_access",
        "account_id": account.removeprefix("act_"),
    }
    if status == 400:
        usage["wait_s"] = rng.choice([60, 120, 300])
    return ApiCall(
        job_id=job.job_id,
        ts=ts,
        platform="facebook",
        endpoint=f"/{FB_VERSION}/{path}",
        http_status=status,
        duration_ms=round(rng.uniform(250, 3_000), 1),
        usage=usage,
        error=error,
    )


def _tt_call(rng: random.Random, job: Job, ts: datetime, n: int) -> ApiCall:
    path = REPORT_PATH
    if n == 0:
        path = STORE_LIST_PATH
    elif n == 1 and job.spec.task_type == "product":
        path = CATALOG_PATH
    failed = rng.random() < 0.01
    return ApiCall(
        job_id=job.job_id,
        ts=ts,
        platform="tiktok",
        endpoint=path,
        http_status=200,
        duration_ms=round(rng.uniform(120, 1_500), 1),
        error="TikTok code 50000: internal error, retried" if failed else None,
    )


def calls_for(rng: random.Random, job: Job, count: int, now: datetime) -> list[ApiCall]:
    """`count` calls spread evenly over the job's run (none for a job that never started)."""
    if job.started_at is None or count <= 0:
        return []
    end = job.finished_at or now
    step = (end - job.started_at) / count
    make = _tt_call if job.spec.task_type in TIKTOK_TASK_TYPES else _fb_call
    return [make(rng, job, job.started_at + step * n, n) for n in range(count)]


def plan(
    jobs: int,
    calls: int,
    days: float,
    now: datetime,
    *,
    older_than: timedelta = timedelta(0),
    prefix: str = "bench",
    seed: int = 12,
) -> Iterator[Seeded]:
    """`jobs` jobs created over `days` days ending `older_than` before `now`, each with
    `calls` API calls."""
    rng = random.Random(seed)
    span = timedelta(days=days)
    for index in range(jobs):
        job = _job(rng, f"{prefix}-{index:07d}", now, older_than + span * rng.random())
        yield Seeded(job, calls_for(rng, job, calls, now))


def _chunks(items: Iterator[Seeded], size: int) -> Iterator[list[Seeded]]:
    while chunk := list(islice(items, size)):
        yield chunk


def write(store: Store, items: Iterator[Seeded], threads: int, progress: Callable[[int], None]) -> None:
    """Insert the jobs (one insert_job each) and their calls (CALL_BATCH per record_api_calls),
    `threads` chunks at a time; `progress` hears the running count of jobs written."""

    def one_chunk(chunk: list[Seeded]) -> int:
        pending: list[ApiCall] = []
        for item in chunk:
            assert store.insert_job(item.job, logs=_logs(item.job)), f"{item.job.job_id} exists"
            pending.extend(item.calls)
            while len(pending) >= CALL_BATCH:
                store.record_api_calls(pending[:CALL_BATCH])
                del pending[:CALL_BATCH]
        store.record_api_calls(pending)
        return len(chunk)

    done = 0
    running: set[Future[int]] = set()
    with ThreadPoolExecutor(threads) as pool:
        # A bounded number of chunks at a time: 2,000,000 calls must never sit in memory at once.
        for chunk in _chunks(items, 200):
            if len(running) >= 2 * threads:
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                done += sum(future.result() for future in finished)
                progress(done)
            running.add(pool.submit(one_chunk, chunk))
        for future in running:
            done += future.result()
        progress(done)
