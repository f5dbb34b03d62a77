"""API-call rollups at scale: the dashboard's API-call queries over a year of calls, and what the
rollups add to recording a call.

Seeds `--calls` API calls (default 2,000,000) over the last 365 days through record_api_calls in
batches of 1,000, as bursts of jobs (Facebook jobs over 2 of 60 ad accounts, TikTok GMV Max jobs,
their Google Sheets writes), then times, in process and one at a time, the API-call part of
each dashboard endpoint for every time range: /summary's timeline, /facebook's usage figures
and timeline, /tiktok's totals and timeline, /api/dashboard's totals and 24-hour series, and
/metrics' counters; again with gc.freeze(), without the full garbage collections that a big
answer's allocations set off now and then. Then the cost of recording: calls per second through
record_api_calls, in batches of 1 and of 100, against the same insert without rollups (what it
did before). With `--backfill`, the time to roll up all seeded calls again, as a database
upgraded to rollups does on its first start. Usage, from the project root:

    .venv/bin/python -m benchmarks.api_call_rollups [--calls 2000000] [--postgres] [--backfill]
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from prometheus_client import generate_latest

from marketing_etl.api.routes_dashboard import _api_usage
from marketing_etl.api.routes_dashboard_stats import _bucket_s, _call_timeline
from marketing_etl.contracts.rollups import CallCounters
from marketing_etl.dashboard.stats import TimeRange
from marketing_etl.metrics import StoreCollector
from marketing_etl.models import ApiCall, utcnow
from marketing_etl.plugins import default_plugins
from marketing_etl.storage.sql import SqlStore
from marketing_etl.storage.sql_schema import api_calls
from tests.services import postgres_schema

BATCH = 1_000
ACCOUNTS = [str(339410370 + 7919 * n) for n in range(60)]
TT_PATHS = ("/gmv_max/store/list/", "/gmv_max/campaign/get/", "/gmv_max/report/get/")
SHEETS_PATHS = ("values:append", "batchUpdate")
REPEATS = 30
MEAN_CALLS_PER_JOB = 41.5  # job_calls: 20-59 platform calls and 1-3 Sheets writes


def job_calls(rng: random.Random, start: datetime) -> list[ApiCall]:
    """One job's calls over a few minutes: 70 % Facebook (two accounts), 30 % TikTok, each
    followed by a few Sheets writes."""
    job_id = f"bench-{rng.getrandbits(40):x}"
    calls: list[ApiCall] = []
    facebook = rng.random() < 0.7
    n = rng.randrange(20, 60)
    accounts = rng.sample(ACCOUNTS, 2)
    for i in range(n):
        ts = start + timedelta(seconds=i * rng.uniform(1, 6))
        if facebook:
            account = accounts[i % 2]
            load = min(100.0, rng.betavariate(1.6, 6) * 130)
            throttled = rng.random() < 0.01
            usage: dict[str, Any] = {
                "app_usage_pct": round(rng.uniform(1, 30), 1),
                "account_usage_pct": round(load, 1),
                "buc_call_count_pct": round(load * 0.8, 1),
                "estimated_time_to_regain_access_min": rng.randrange(1, 15) if load > 95 else 0,
                "account_id": account,
            }
            if throttled:
                usage["wait_s"] = rng.choice([60, 120, 300])
            path = f"/v25.0/act_{account}" if i < 2 else f"/v25.0/act_{account}/insights"
            calls.append(
                ApiCall(
                    job_id=job_id,
                    ts=ts,
                    platform="facebook",
                    endpoint=path,
                    http_status=400 if throttled else 200,
                    duration_ms=500.0,
                    usage=usage,
                    error="(#80004) too many calls" if throttled else None,
                )
            )
        else:
            path = TT_PATHS[min(i, 2)]
            calls.append(
                ApiCall(
                    job_id=job_id, ts=ts, platform="tiktok", endpoint=path, http_status=200, duration_ms=300.0
                )
            )
    end = calls[-1].ts
    for k in range(rng.randrange(1, 4)):
        usage = {"request_bytes": 20_000, **({"budget_wait_s": 1.5} if rng.random() < 0.1 else {})}
        calls.append(
            ApiCall(
                job_id=job_id,
                ts=end + timedelta(seconds=k + 1),
                platform="sheets",
                endpoint=SHEETS_PATHS[min(k, 1)],
                http_status=200,
                duration_ms=200.0,
                usage=usage,
            )
        )
    return calls


def history(total: int, now: datetime, seed: int = 7) -> Iterator[list[ApiCall]]:
    """`total` calls in batches of BATCH: jobs spread evenly over the last 365 days (the last ones
    a few minutes ago)."""
    rng = random.Random(seed)
    step = timedelta(days=365) / (total / MEAN_CALLS_PER_JOB)
    start = now - timedelta(days=365)
    pending: list[ApiCall] = []
    made = 0
    while made < total:
        pending += job_calls(rng, min(start, now - timedelta(minutes=10)))
        start += step
        while made < total and (len(pending) >= BATCH or made + len(pending) >= total):
            take = min(BATCH, len(pending), total - made)
            yield pending[:take]
            made += take
            pending = pending[take:]


def seed(store: SqlStore, total: int, now: datetime) -> float:
    started = time.perf_counter()
    done = 0
    for n, batch in enumerate(history(total, now)):
        store.record_api_calls(batch)
        done += len(batch)
        if n % 200 == 0:
            print(f"  seeded {done:>9,} calls, {time.perf_counter() - started:6.1f} s", flush=True)
    return time.perf_counter() - started


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def timed(work: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float, float]:
    for _ in range(2):
        work()
    durations = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    return percentile(durations, 0.5), percentile(durations, 0.95), durations[-1]


def query_table(store: SqlStore) -> list[list[str]]:
    rows: list[list[str]] = []
    for time_range in TimeRange:

        def views(tr: TimeRange = time_range) -> dict[str, Callable[[], object]]:
            def summary() -> object:
                now = utcnow()
                return _call_timeline(store, tr, tr.since(now), now)

            def facebook() -> object:
                now = utcnow()
                since = tr.since(now)
                figures = store.rollups.by_platform(_bucket_s(tr), since).get("facebook", CallCounters())
                return figures, _call_timeline(store, tr, since, now, "facebook")

            def tiktok() -> object:
                now = utcnow()
                since = tr.since(now)
                totals = store.rollups.by_endpoint(_bucket_s(tr), since, "tiktok")
                return totals, _call_timeline(store, tr, since, now, "tiktok")

            def dashboard() -> object:
                now = utcnow()
                return _api_usage(store, tr.since(now), now)

            return {"summary": summary, "facebook": facebook, "tiktok": tiktok, "dashboard": dashboard}

        for name, work in views().items():
            p50, p95, worst = timed(work)
            rows.append([f"{name} {time_range.value}", f"{p50:.1f}", f"{p95:.1f}", f"{worst:.1f}"])
    task_types = default_plugins().sources.task_types()
    p50, p95, worst = timed(lambda: generate_latest(StoreCollector(store, utcnow(), task_types)))
    rows.append(["/metrics (whole)", f"{p50:.1f}", f"{p95:.1f}", f"{worst:.1f}"])
    return rows


def engine(store: SqlStore) -> sa.Engine:
    private: Any = store
    result: sa.Engine = private._engine
    return result


def record_rate(store: SqlStore, batch: int, calls: int, rollups: bool, now: datetime) -> float:
    """Calls per second recorded in batches of `batch`, with rollups (record_api_calls) or the
    raw insert alone (what record_api_calls did before rollups)."""
    rng = random.Random(batch)
    pool = [c for _ in range(calls // 30 + 2) for c in job_calls(rng, now - timedelta(minutes=30))][:calls]
    batches = [pool[i : i + batch] for i in range(0, len(pool), batch)]
    eng = engine(store)
    started = time.perf_counter()
    for chunk in batches:
        if rollups:
            store.record_api_calls(chunk)
        else:
            with eng.begin() as conn:
                conn.execute(sa.insert(api_calls), [c.model_dump() for c in chunk])
    return len(pool) / (time.perf_counter() - started)


def backfill(store: SqlStore) -> tuple[int, float]:
    """Forget the rollups, as a database from before them, and time rolling everything up."""
    with engine(store).begin() as conn:
        conn.exec_driver_sql("DELETE FROM api_call_rollups")
        conn.exec_driver_sql("DELETE FROM rollup_backfill")
        count = int(conn.exec_driver_sql("SELECT count(*) FROM api_calls").scalar_one())
    started = time.perf_counter()
    store.init()
    return count, time.perf_counter() - started


def table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=2_000_000)
    parser.add_argument(
        "--postgres", action="store_true", help="PostgreSQL (TEST_POSTGRES_URL) instead of SQLite"
    )
    parser.add_argument("--backfill", action="store_true", help="also time rolling all calls up again")
    parser.add_argument("--sqlite-file", type=Path, help="keep the SQLite database here; seed only if new")
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.postgres:
            url = stack.enter_context(postgres_schema())
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            url = f"sqlite:///{args.sqlite_file or folder / 'bench.db'}"
        fresh = args.postgres or not (args.sqlite_file and args.sqlite_file.exists())
        store = SqlStore(url)
        stack.callback(store.close)
        store.init()
        now = utcnow()
        backend = "PostgreSQL" if args.postgres else "SQLite"
        if fresh:
            print(f"{backend}: seeding {args.calls:,} API calls over 365 days in batches of {BATCH:,}")
            seconds = seed(store, args.calls, now)
            print(f"seeded in {seconds:.0f} s ({args.calls / seconds:,.0f} calls/s)")
        with engine(store).connect() as conn:
            rollup_rows = conn.exec_driver_sql(
                "SELECT bucket_s, count(*) FROM api_call_rollups GROUP BY 1"
            ).all()
        print(f"rollup rows by bucket_s: {dict(rollup_rows)}")
        print(f"\nAPI-call part of each endpoint ({REPEATS} runs each, ms)")
        plain = query_table(store)
        # Python's full garbage collections (every few thousand allocations, over every object
        # the process holds) land in some requests; gc.freeze() after start-up exempts what is
        # loaded then, so the second column shows the queries without them.
        gc.freeze()
        frozen = query_table(store)
        gc.unfreeze()
        table(
            ["endpoint range", "p50", "p95", "max", "p50 (frozen)", "p95 (frozen)", "max (frozen)"],
            [row + other[1:] for row, other in zip(plain, frozen, strict=True)],
        )
        print("\nrecord_api_calls, calls per second (single thread)")
        rates = []
        for batch, calls in ((1, 2_000), (100, 20_000)):
            before = record_rate(store, batch, calls, rollups=False, now=now)
            after = record_rate(store, batch, calls, rollups=True, now=now)
            rates.append(
                [f"batch of {batch}", f"{before:,.0f}", f"{after:,.0f}", f"{after / before - 1:+.0%}"]
            )
        table(["", "raw insert only", "with rollups", "change"], rates)
        if args.backfill:
            count, took = backfill(store)
            print(f"\nbackfill: {count:,} raw calls rolled up in {took:.1f} s ({count / took:,.0f} calls/s)")


if __name__ == "__main__":
    main()
