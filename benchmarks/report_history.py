"""Totals checks, notifications and connections: do their queries cost the same over a long history?

For each backend (SQLite in a temporary folder; with `--postgres` also PostgreSQL on
127.0.0.1:5432, in a fresh schema of the `test` database that is dropped afterwards) and each
history size (1,000 and `--rows`, default 100,000), a fresh store (wiring.open_store) is seeded
and its queries are timed, one at a time, in process:

1. totals checks: `--rows` checks over the last 365 days, 1 % MISMATCH, 5 metric comparisons
   each, bulk-inserted into `totals_checks` in the record format SqlTotalsCheckStore.put writes;
   timed: count_mismatches over the last day and over all time, get(job_id).
2. notifications: `--rows` notifications over 365 days (mostly SENT, 0.5 % FAILED after every
   retry, 20 PENDING and due), bulk-inserted into `notifications` in the record format
   SqlNotificationStore.enqueue writes, with the delivery counters their attempts leave;
   timed: due(now, 50), latest_by_channel(), for_job(job_id), delivery_totals().
3. connections: 200 saved connections through the store (insert + record_check); timed:
   expiring(now + 7 days).

Each query runs twice untimed, then 20 times; the table shows the median and the 95th
percentile, and a second table compares the median at the largest history with that at 1,000.
PostgreSQL's tables are ANALYZEd after seeding, as autovacuum would do after a bulk load.
Usage, from the project root (under a minute on 2 cores with --postgres):

    .venv/bin/python -m benchmarks.report_history [--rows 100000] [--postgres]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from benchmarks.report_history_seed import (
    CONNECTIONS,
    DAYS,
    PENDING_DUE,
    SETTINGS_CHANNELS,
    Seeded,
    seed_connections,
    seed_notifications,
    seed_totals,
)
from marketing_etl.contracts.totals import TotalsCheck
from marketing_etl.models import utcnow
from marketing_etl.storage.sql import SqlStore
from marketing_etl.wiring import open_store
from tests.services import postgres_schema

SMALL = 1_000
REPEATS = 20
WARMUP = 2
SEED_COLUMNS = ("totals checks", "notifications", "connections", "ANALYZE")


@dataclass
class Result:
    backend: str
    history: int
    query: str
    median_ms: float
    p95_ms: float
    returns: str


# --- timing ----------------------------------------------------------------------------------


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def timed(work: Callable[[int], object]) -> tuple[float, float, object]:
    """Median and 95th percentile in ms of REPEATS runs after WARMUP; `work` gets the run's
    number (to vary the id it asks for) and the last run's answer is returned."""
    answer: object = None
    for n in range(WARMUP):
        work(n)
    durations = []
    for n in range(REPEATS):
        started = time.perf_counter()
        answer = work(n)
        durations.append((time.perf_counter() - started) * 1000)
    durations.sort()
    return percentile(durations, 0.5), percentile(durations, 0.95), answer


def describe(answer: object) -> str:
    if isinstance(answer, list | dict | tuple):
        return f"{len(answer)} rows"
    if answer is None:
        return "none"
    if isinstance(answer, TotalsCheck):
        return f"1 check, {len(answer.comparisons)} comparisons"
    return str(answer)


def measure(store: SqlStore, seeded: Seeded, now: datetime) -> list[tuple[str, float, float, str]]:
    rng = random.Random(31)
    picks = rng.sample(seeded.job_ids, WARMUP + REPEATS)
    notified = rng.sample(seeded.notified_jobs, min(len(seeded.notified_jobs), WARMUP + REPEATS))
    day_ago = now - timedelta(days=1)
    queries: list[tuple[str, Callable[[int], object]]] = [
        ("totals.count_mismatches(last day)", lambda n: store.totals_checks.count_mismatches(day_ago, None)),
        ("totals.count_mismatches(all time)", lambda n: store.totals_checks.count_mismatches(None, None)),
        ("totals.get(job_id)", lambda n: store.totals_checks.get(picks[n])),
        ("notifications.due(now, 50)", lambda n: store.notifications.due(now, 50)),
        ("notifications.latest_by_channel()", lambda n: store.notifications.latest_by_channel()),
        ("notifications.for_job(job_id)", lambda n: store.notifications.for_job(notified[n % len(notified)])),
    ]
    if hasattr(store.notifications, "delivery_totals"):
        queries.append(("notifications.delivery_totals()", lambda n: store.notifications.delivery_totals()))
    week = now + timedelta(days=7)
    queries.append(
        (f"connections.expiring(now+7d), {CONNECTIONS} saved", lambda n: store.connections.expiring(week))
    )
    results = []
    for name, work in queries:
        median, p95, answer = timed(work)
        results.append((name, median, p95, describe(answer)))
    return results


def check_answers(store: SqlStore, seeded: Seeded, expiring: int, now: datetime) -> None:
    """The seeded data reads back as the stores see it (a benchmark of wrong answers is no use)."""
    assert store.totals_checks.count_mismatches(None, None) == seeded.mismatches
    assert store.totals_checks.count_mismatches(now - timedelta(days=1), None) == seeded.mismatches_last_day
    assert store.totals_checks.get(seeded.job_ids[-1]) is not None
    assert len(store.notifications.due(now, 50)) == PENDING_DUE
    assert len(store.connections.expiring(now + timedelta(days=7))) == expiring
    channels = store.notifications.latest_by_channel()
    assert set(SETTINGS_CHANNELS) <= set(channels), channels.keys()


# --- running ---------------------------------------------------------------------------------


def run(backend: str, url: str, rows: int) -> tuple[list[Result], dict[str, float]]:
    store = open_store(url)
    assert isinstance(store, SqlStore), type(store)
    try:
        engine = store._engine
        now = utcnow()
        seconds: dict[str, float] = {}
        started = time.perf_counter()
        job_ids, mismatches, recent = seed_totals(engine, rows, now)
        seconds["totals checks"] = time.perf_counter() - started
        started = time.perf_counter()
        notified = seed_notifications(engine, rows, now)
        seconds["notifications"] = time.perf_counter() - started
        started = time.perf_counter()
        expiring = seed_connections(store, now)
        seconds["connections"] = time.perf_counter() - started
        if engine.dialect.name == "postgresql":
            started = time.perf_counter()
            with engine.begin() as conn:
                for table in ("totals_checks", "notifications", "maintenance_totals", "connections"):
                    conn.exec_driver_sql(f"ANALYZE {table}")
            seconds["ANALYZE"] = time.perf_counter() - started
        seeded = Seeded(job_ids, notified, mismatches, recent, seconds)
        check_answers(store, seeded, expiring, now)
        measured = measure(store, seeded, now)
    finally:
        store.close()
    return [Result(backend, rows, *m) for m in measured], seconds


def markdown(header: list[str], rows: list[list[str]], right_from: int = 1) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = [
            c.rjust(w) if i >= right_from else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join("-" * (w + 1) + ":" if i >= right_from else "-" * (w + 2) for i, w in enumerate(widths))
        + "|"
    )
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def growth(results: list[Result], small: int, large: int) -> list[list[str]]:
    by_key = {(r.backend, r.history, r.query): r for r in results}
    rows = []
    for r in results:
        if r.history != small or (r.backend, large, r.query) not in by_key:
            continue
        big = by_key[(r.backend, large, r.query)]
        ratio = big.median_ms / r.median_ms if r.median_ms > 0 else float("inf")
        # Below half a millisecond apart, a ratio is noise on a shared machine.
        verdict = "flat" if ratio < 2 or big.median_ms - r.median_ms < 0.5 else "GROWS"
        rows.append(
            [r.backend, r.query, f"{r.median_ms:.2f}", f"{big.median_ms:.2f}", f"{ratio:.1f}x", verdict]
        )
    return rows


def postgres_version(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SHOW server_version").scalar_one())
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=100_000, help="the large history size (default 100,000)")
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL (127.0.0.1:5432)")
    args = parser.parse_args()
    sizes = sorted({SMALL, args.rows})
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(f"# Report history benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    print(
        f"Machine: {os.cpu_count()} cores, load average {load} at start; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}. A CI run was going on beside this benchmark, so absolute "
        "times are inflated and noisy: compare the rows of one backend across history sizes.\n"
    )
    print(
        f"History sizes {', '.join(f'{s:,}' for s in sizes)}: that many totals checks and that many "
        f"notifications over {DAYS} days, plus {CONNECTIONS} connections; {REPEATS} timed runs per "
        f"query after {WARMUP} untimed.\n",
        flush=True,
    )
    results: list[Result] = []
    seeds: list[list[str]] = []
    total_started = time.perf_counter()
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        targets: list[tuple[str, Callable[[int], str]]] = [
            ("SQLite", lambda size: f"sqlite:///{(tmp / f'history-{size}.db').as_posix()}")
        ]
        if args.postgres:
            # One fresh schema per size, dropped when the run ends.
            targets.append(("PostgreSQL", lambda size: stack.enter_context(postgres_schema())))
        for backend, url_for in targets:
            for size in sizes:
                url = url_for(size)
                if backend == "PostgreSQL" and size == sizes[0]:
                    print(f"PostgreSQL {postgres_version(url)}\n", flush=True)
                measured, seconds = run(backend, url, size)
                results += measured
                seeds.append(
                    [
                        backend,
                        f"{size:,}",
                        *(f"{seconds[k]:.1f}" if k in seconds else "-" for k in SEED_COLUMNS),
                    ]
                )
                print(f"  {backend} {size:,}: done ({sum(seconds.values()):.1f} s seeding)", flush=True)
    print("\n## Seeding (s)\n")
    print(markdown(["backend", "history rows", *SEED_COLUMNS], seeds, right_from=1))
    print("\n## Queries (ms)\n")
    print(
        markdown(
            ["backend", "history rows", "query", "median ms", "p95 ms", "returns"],
            [
                [r.backend, f"{r.history:,}", r.query, f"{r.median_ms:.2f}", f"{r.p95_ms:.2f}", r.returns]
                for r in results
            ],
            right_from=3,
        )
    )
    if len(sizes) > 1:
        print(f"\n## Median at {sizes[-1]:,} against {sizes[0]:,}\n")
        print(
            markdown(
                ["backend", "query", f"{sizes[0]:,} ms", f"{sizes[-1]:,} ms", "ratio", "verdict"],
                growth(results, sizes[0], sizes[-1]),
                right_from=2,
            )
        )
        print(
            "\nverdict: GROWS when the median at least doubles and rises by 0.5 ms or more. "
            "count_mismatches(all time) reads every mismatch (1 % of the history), so it follows the "
            "mismatches by design (contracts/totals.py); the other queries should stay flat."
        )
    print(f"\nWhole run: {time.perf_counter() - total_started:.0f} s")


if __name__ == "__main__":
    main()
