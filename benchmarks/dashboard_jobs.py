"""The dashboard's job side at a year of history: the store's aggregate queries and the keyset
job list, then the whole endpoints over HTTP.

Seeds `--jobs` jobs over the last 365 days through the store's own writes (insert_job, then
transitions to RUNNING and the final status: benchmarks/job_history.py), or reuses a store
seeded before (`--sqlite PATH`, `--postgres-url URL`: seeded only if it holds fewer jobs).
Then times, one call at a time:

- the job figures of each view (summary: all task types and the top users; facebook, tiktok:
  their task types) for 24h / 7d / 30d / all, as the routes ask the store (job_figures.py),
  and the /api/dashboard counts;
- the job list (all time, 50 a page, newest first, and sorted by status): page 1, and page
  1,000 by cursor and by page number (api/job_list.py, counting the capped total too);
- the same over HTTP against the real app (no worker, so the store stays as seeded; no API
  calls are seeded, so their parts of the answers cost next to nothing here).

Usage, from the project root:

    .venv/bin/python -m benchmarks.dashboard_jobs [--jobs 100000] [--sqlite PATH] [--postgres]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from benchmarks.dashboard_serve import AUTH, HeldExecutor, bench_settings
from benchmarks.job_history import seed
from marketing_etl.api import job_cursor
from marketing_etl.api.app import create_app
from marketing_etl.api.job_list import jobs_page
from marketing_etl.contracts.store import Store
from marketing_etl.dashboard.job_figures import TOP_TEMPLATES, job_figures
from marketing_etl.dashboard.stats import TimeRange
from marketing_etl.models import JobFilter, JobSort, utcnow
from marketing_etl.settings import Settings
from marketing_etl.storage.keyset import Ordering
from marketing_etl.wiring import build_services
from tests.fakes.server import serve_app
from tests.services import postgres_schema

PAGE_SIZE = 50
DEEP_PAGE = 1_000
VIEWS: dict[str, list[str] | None] = {
    "summary": None,
    "facebook": ["facebook_daily", "facebook_performance", "facebook_breakdown"],
    "tiktok": ["product", "creative"],
}
HEADER = ["what", "n", "p50 ms", "p95 ms", "max ms"]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def timed(name: str, call: Callable[[], object], repeat: int) -> list[str]:
    call()  # warm: the first call pays for connections and caches
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    p95 = durations[max(0, -(-95 * len(durations) // 100) - 1)]
    say(f"  {name}: p50 {statistics.median(durations):.1f} ms, p95 {p95:.1f} ms")
    return [name, str(repeat), f"{statistics.median(durations):.1f}", f"{p95:.1f}", f"{durations[-1]:.1f}"]


def deep_cursor(store: Store, sort: str, page: int) -> str:
    """The cursor a client holds on page `page - 1`: after its last job."""
    [last] = store.job_pages.page(JobFilter(), sort, 1, offset=(page - 1) * PAGE_SIZE - 1).jobs
    return job_cursor.encode(JobSort.parse(sort), Ordering.of(sort).key_of(last), "after")


def store_rows(store: Store, now: datetime, repeat: int, deep_page: int) -> Iterator[list[str]]:
    for time_range in TimeRange:
        since = time_range.since(now)
        for view, types in VIEWS.items():
            top_users = 10 if view == "summary" else 0
            figures = partial(job_figures, store, since, types, top_users)
            yield timed(f"{view} jobs {time_range.value}", figures, repeat)
        counts = partial(store.job_stats.by_status_and_type, since)
        yield timed(f"list counts {time_range.value}", counts, repeat)
    templates = partial(store.job_stats.top_templates, None, None, TOP_TEMPLATES)
    yield timed("templates all (top 50)", templates, repeat)
    metrics = partial(store.job_stats.by_status_and_type, histogram=True)
    yield timed("/metrics jobs + histogram", metrics, repeat)
    for sort in ("-created_at", "status"):
        cursor = deep_cursor(store, sort, deep_page)
        listing = partial(jobs_page, store, JobFilter(), JobSort.parse(sort))
        yield timed(f"list {sort} page 1", partial(listing, 1, PAGE_SIZE, None), repeat)
        deep = partial(listing, deep_page, PAGE_SIZE, cursor)
        yield timed(f"list {sort} page {deep_page:,} by cursor", deep, repeat)
        numbered = partial(listing, deep_page, PAGE_SIZE, None)
        yield timed(f"list {sort} page {deep_page:,} by number", numbered, max(3, repeat // 4))


def http_rows(settings: Settings, store: Store, repeat: int, deep_page: int) -> Iterator[list[str]]:
    services = build_services(settings)
    app = create_app(settings, services=services, executor=HeldExecutor())
    try:
        with (
            serve_app(app, lifespan="on") as url,
            httpx.Client(base_url=url, auth=AUTH, timeout=600) as client,
        ):

            def get(path: str, **params: Any) -> Callable[[], object]:
                return lambda: client.get(path, params=params).raise_for_status()

            for time_range in TimeRange:
                for view in VIEWS:
                    path = f"/api/dashboard/{view}"
                    yield timed(
                        f"GET {path}?time_range={time_range.value}",
                        get(path, time_range=time_range.value),
                        repeat,
                    )
            for sort in ("-created_at", "status"):
                listing = {"time_range": "all", "page_size": PAGE_SIZE, "sort": sort}
                cursor = deep_cursor(store, sort, deep_page)
                yield timed(f"GET /api/dashboard {sort} page 1", get("/api/dashboard", **listing), repeat)
                yield timed(
                    f"GET /api/dashboard {sort} page {deep_page:,} (cursor)",
                    get("/api/dashboard", **listing, cursor=cursor, page=deep_page),
                    repeat,
                )
            yield timed("GET /metrics", get("/metrics"), repeat)
    finally:
        services.close()


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        " | ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    )


def run(label: str, database_url: str | None, data_dir: Path, args: argparse.Namespace) -> str:
    settings = bench_settings(data_dir, database_url)
    services = build_services(settings)  # init(): tables and indexes
    store = services.store
    try:
        present = store.job_pages.count(JobFilter(), args.jobs)
        if present < args.jobs:
            say(f"{label}: seeding {args.jobs:,} jobs")
            started = time.perf_counter()
            seed(store, args.jobs, utcnow(), threads=1 if database_url is None else 8)
            say(f"{label}: seeded in {time.perf_counter() - started:.0f} s")
        # The seed's "now" may lie in the past: the windows are read from the newest job.
        newest = store.job_pages.page(JobFilter(), "-created_at", 1).jobs[0].created_at
        say(f"{label}: timing the store")
        # Page 1,000 when there is one (fewer jobs: the last full page).
        deep_page = min(DEEP_PAGE, args.jobs // PAGE_SIZE)
        rows = [HEADER, *store_rows(store, max(newest, utcnow()), args.repeat, deep_page)]
        say(f"{label}: timing over HTTP")
        rows += http_rows(settings, store, args.repeat, deep_page)
    finally:
        services.close()
    return f"## {label}: {args.jobs:,} jobs over 365 days\n\n{table(rows)}\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed calls per row")
    parser.add_argument("--sqlite", type=Path, help="an SQLite file to reuse (seeded when short of --jobs)")
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL (127.0.0.1:5432)")
    parser.add_argument("--postgres-url", help="a PostgreSQL database (search_path) to reuse instead")
    args = parser.parse_args()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        sqlite_url = f"sqlite:///{args.sqlite}" if args.sqlite else None
        print(run("SQLite", sqlite_url, tmp / "sqlite", args))
        if args.postgres or args.postgres_url:
            url = args.postgres_url or stack.enter_context(postgres_schema())
            print(run("PostgreSQL", url, tmp / "pg", args))


if __name__ == "__main__":
    main()
