"""The dashboard at scale: endpoint latency over a seeded history, first render, one pruning pass.

Seeds a store through its own write path (benchmarks/dashboard_seed.py: `--jobs` jobs over the
last `--days` days, `--calls` API-call records each), then settles it as a running one would be:
on PostgreSQL a VACUUM ANALYZE, which autovacuum does to a live store after such inserts (the
test server runs without autovacuum, and without it PostgreSQL has no statistics and no
visibility map, so no index-only scans). SQLite gets nothing: the service never runs ANALYZE.
Then it serves the real app in a process of its own (benchmarks/dashboard_serve.py: uvicorn on
loopback, dashboard login set, no worker or scheduler, so the store stays as seeded) and times,
one request at a time, every dashboard JSON endpoint for each time range, a job's page, the job
list at pages 1 and 1,000 and /metrics; then the first render of /dashboard in Chromium; then
it adds `--expired-calls` API-call records past their retention (settled again) and times one
pruning pass while a running job writes its progress every 50 ms. Usage, from the project root:

    .venv/bin/python -m benchmarks.dashboard [--jobs 100000] [--calls 20] [--postgres]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from benchmarks.dashboard_prune import CALLS_PER_OLD_JOB, prune_while_writing, seed_expired
from benchmarks.dashboard_render import first_render
from benchmarks.dashboard_seed import plan, write
from benchmarks.dashboard_serve import AUTH, bench_settings, served
from benchmarks.dashboard_timing import Timer, Timing, percentile, time_endpoints
from marketing_etl.models import utcnow
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_services
from tests.fakes.server import free_port
from tests.services import postgres_schema

HEADER = ["endpoint", "n", "p50 ms", "p95 ms", "max ms"]
RENDER_LOADS = 5
# The target: pruning never delays a job's progress write by more than this.
WRITE_TARGET_MS = 200


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def progress_every(total: int, what: str) -> Callable[[int], None]:
    step = max(1, total // 10)
    shown = [0]

    def report(done: int) -> None:
        if done - shown[0] >= step or done == total:
            shown[0] = done
            say(f"  {what}: {done:,} / {total:,} jobs")

    return report


def settle(settings: Settings) -> None:
    """What autovacuum does to a live PostgreSQL store after bulk inserts: statistics for the
    planner and a visibility map for index-only scans."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def database_mb(settings: Settings) -> float:
    """The SQLite file with its WAL, or every table of the PostgreSQL schema with its indexes."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        path = Path(str(make_url(url).database))
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        return sum(f.stat().st_size for f in files if f.exists()) / 1e6
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
        ).fetchone()
    return float(row[0] if row else 0) / 1e6


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        " | ".join(
            cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join(lines)


def seed(services: Services, args: argparse.Namespace, threads: int) -> str:
    started = time.perf_counter()
    items = plan(args.jobs, args.calls, args.days, utcnow())
    write(services.store, items, threads, progress_every(args.jobs, "seeding"))
    seconds = time.perf_counter() - started
    settle(services.settings)
    size_mb = database_mb(services.settings)
    return (
        f"{args.jobs:,} jobs and {args.jobs * args.calls:,} API calls over {args.days:g} days, "
        f"seeded in {seconds:.0f} s ({args.jobs / seconds:,.0f} jobs/s); database {size_mb:,.0f} MB"
    )


def serve_and_time(settings: Settings, args: argparse.Namespace) -> list[Timing]:
    with (
        served(settings.data_dir, settings.database_url, free_port()) as url,
        httpx.Client(base_url=url, auth=AUTH, timeout=600) as client,
    ):
        timer = Timer(client, args.requests, args.budget_s)
        timings = []
        for timing in time_endpoints(timer, args.jobs):
            say(f"  {timing.name}: p50 {percentile(sorted(timing.durations_ms), 0.5):.1f} ms")
            timings.append(timing)
        if args.browser:
            timings.append(first_render(url, AUTH, RENDER_LOADS))
    return timings


def prune(services: Services, args: argparse.Namespace, threads: int) -> list[str]:
    old_jobs = -(-args.expired_calls // CALLS_PER_OLD_JOB)
    started = time.perf_counter()
    written = seed_expired(
        services, args.expired_calls, utcnow(), threads, progress_every(old_jobs, "expired")
    )
    settle(services.settings)
    seeded = f"added {written:,} expired API calls in {time.perf_counter() - started:.0f} s"
    size_mb = database_mb(services.settings)
    report, writes_ms = prune_while_writing(services, utcnow())
    lines = [f"pruning: {seeded} (database {size_mb:,.0f} MB); {report.describe()}"]
    writes = sorted(writes_ms)
    if not writes:
        return [*lines, "no progress write fell within the pass"]
    verdict = "meets" if writes[-1] <= WRITE_TARGET_MS else "misses"
    return [
        *lines,
        f"progress writes during the pass: {len(writes)}, p50 {percentile(writes, 0.5):.1f} ms, longest "
        f"{writes[-1]:.1f} ms ({verdict} the {WRITE_TARGET_MS} ms target); "
        f"database {database_mb(services.settings):,.0f} MB after",
    ]


def run(label: str, database_url: str | None, data_dir: Path, args: argparse.Namespace) -> str:
    settings = bench_settings(data_dir, database_url)
    services = build_services(settings)
    threads = args.threads or (1 if database_url is None else 4)
    try:
        say(f"{label}: seeding")
        seeded = seed(services, args, threads)
        say(f"{label}: {seeded}; timing")
        timings = serve_and_time(settings, args)
        notes = (
            prune(services, args, threads) if args.expired_calls else ["pruning: skipped (--expired-calls 0)"]
        )
    finally:
        services.close()
    rows = [HEADER, *(timing.cells() for timing in timings)]
    return "\n".join([f"## {label}: {seeded}", "", table(rows), "", *notes])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=20, help="API-call records per job")
    parser.add_argument("--days", type=float, default=30, help="jobs are spread over this many days")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per endpoint")
    parser.add_argument("--budget-s", type=float, default=60, help="at most this long per endpoint")
    parser.add_argument("--expired-calls", type=int, help="expired API calls to prune (default: 10 per job)")
    parser.add_argument("--threads", type=int, help="seeding threads (default: 1 on SQLite, 4 on PostgreSQL)")
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL (127.0.0.1:5432)")
    parser.add_argument(
        "--no-browser", dest="browser", action="store_false", help="skip the Chromium render timing"
    )
    args = parser.parse_args()
    if args.expired_calls is None:
        args.expired_calls = 10 * args.jobs
    print(f"# Dashboard benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        print(run("sqlite", None, tmp / "sqlite", args), flush=True)
        if args.postgres:
            url = stack.enter_context(postgres_schema())
            print("\n" + run("postgresql", url, tmp / "pg", args), flush=True)


if __name__ == "__main__":
    main()
