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
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from marketing_etl.contracts.connections import Connection, ConnectionCheck
from marketing_etl.contracts.notifications import DeliveryAttempt, DeliveryState, Notification
from marketing_etl.contracts.totals import MetricComparison, TotalsCheck, TotalsOutcome
from marketing_etl.models import utcnow
from marketing_etl.notifications.events import notification_id
from marketing_etl.storage.notification_records import counter_name, notification_record
from marketing_etl.storage.sql import SqlStore
from marketing_etl.storage.sql_report_tables import notifications, totals_checks
from marketing_etl.storage.sql_schema import maintenance_totals
from marketing_etl.storage.totals_docs import comparisons_to_doc
from marketing_etl.wiring import open_store
from tests.services import postgres_schema

SMALL = 1_000
DAYS = 365
BATCH = 5_000
REPEATS = 20
WARMUP = 2
CONNECTIONS = 200
MISMATCH_SHARE = 0.01
FAILED_SHARE = 0.005
PENDING_DUE = 20
METRICS = ("spend", "impressions", "clicks", "purchases", "purchase_value")
SETTINGS_CHANNELS = ("webhook", "slack", "email")
SCHEDULES = [f"sch-{n:02d}" for n in range(20)]
EVENT_WEIGHTS = {
    "job_failed": 70,
    "totals_mismatch": 15,
    "schedule_failed_twice": 10,
    "connection_expiring": 5,
}
MAX_ATTEMPTS = 5
SEED_COLUMNS = ("totals checks", "notifications", "connections", "ANALYZE")


@dataclass
class Seeded:
    """What the timed queries ask for: ids that exist, and the expected answers to check."""

    job_ids: list[str]  # totals checks' jobs
    notified_jobs: list[str]  # jobs with notifications
    mismatches: int
    mismatches_last_day: int
    seconds: dict[str, float]


@dataclass
class Result:
    backend: str
    history: int
    query: str
    median_ms: float
    p95_ms: float
    returns: str


# --- totals checks ---------------------------------------------------------------------------


def totals_record(check: TotalsCheck) -> dict[str, Any]:
    """The row SqlTotalsCheckStore.put writes for `check`."""
    return {
        "job_id": check.job_id,
        "checked_at": check.checked_at,
        "outcome": check.outcome.value,
        "comparisons": comparisons_to_doc(check.comparisons),
        "notes": list(check.notes),
    }


def totals_check(rng: random.Random, job_id: str, at: datetime) -> TotalsCheck:
    mismatch = rng.random() < MISMATCH_SHARE
    account = f"act_{339410370 + 7919 * rng.randrange(60)}"
    wrong = rng.randrange(len(METRICS)) if mismatch else -1
    comparisons = []
    for n, metric in enumerate(METRICS):
        total = Decimal(rng.randrange(1_000, 5_000_000)) / 100
        report = total + Decimal("12.34") if n == wrong else total
        comparisons.append(
            MetricComparison(
                account=account,
                metric=metric,
                platform_total=total,
                report_total=report,
                matches=n != wrong,
                note="" if n != wrong else "the report's rows sum to more than Ads Manager shows",
            )
        )
    notes = ("reach is not additive over days; not compared",) if rng.random() < 0.3 else ()
    outcome = TotalsOutcome.MISMATCH if mismatch else TotalsOutcome.MATCH
    return TotalsCheck(
        job_id=job_id, checked_at=at, outcome=outcome, comparisons=tuple(comparisons), notes=notes
    )


def seed_totals(engine: sa.Engine, rows: int, now: datetime) -> tuple[list[str], int, int]:
    """`rows` checks evenly over the last DAYS days (the newest a minute ago); returns the job
    ids, the mismatches in all and those of the last day."""
    rng = random.Random(19)
    step = timedelta(days=DAYS) / rows
    start = now - timedelta(days=DAYS)
    job_ids: list[str] = []
    mismatches = recent = 0
    batch: list[dict[str, Any]] = []
    for n in range(rows):
        at = min(start + step * n, now - timedelta(minutes=1))
        job_id = f"job-{n:07d}-{rng.getrandbits(24):06x}"
        check = totals_check(rng, job_id, at)
        job_ids.append(job_id)
        if check.outcome is TotalsOutcome.MISMATCH:
            mismatches += 1
            recent += at >= now - timedelta(days=1)
        batch.append(totals_record(check))
        if len(batch) == BATCH or n == rows - 1:
            with engine.begin() as conn:
                conn.execute(sa.insert(totals_checks), batch)
            batch = []
    return job_ids, mismatches, recent


# --- notifications ---------------------------------------------------------------------------


def attempts_for(
    rng: random.Random, created: datetime, state: DeliveryState
) -> tuple[tuple[DeliveryAttempt, ...], list[DeliveryState]]:
    """The attempts a notification in `state` carries, and the state each attempt left (what the
    delivery counters count)."""
    at = created + timedelta(seconds=rng.uniform(1, 30))
    if state is DeliveryState.PENDING:
        return (DeliveryAttempt(at=at, ok=False, detail="HTTP 502"),), [DeliveryState.PENDING]
    failures = MAX_ATTEMPTS - 1 if state is DeliveryState.FAILED else int(rng.random() < 0.03)
    attempts = []
    left = []
    for _ in range(failures):
        attempts.append(DeliveryAttempt(at=at, ok=False, detail="no answer (ConnectError)"))
        left.append(DeliveryState.PENDING)
        at += timedelta(minutes=rng.uniform(1, 30))
    ok = state is DeliveryState.SENT
    attempts.append(DeliveryAttempt(at=at, ok=ok, detail="HTTP 200" if ok else "HTTP 500"))
    left.append(state)
    return tuple(attempts), left


def notification(
    rng: random.Random,
    event: str,
    subject: str,
    channel: str,
    created: datetime,
    state: DeliveryState,
    job_id: str | None,
    schedule_id: str | None,
    now: datetime,
) -> tuple[Notification, list[DeliveryState]]:
    nid = notification_id(event, subject, channel)
    attempts, left = attempts_for(rng, created, state)
    payload = {
        "event": event,
        "notification_id": nid,
        "title": f"{event.replace('_', ' ').capitalize()}: {subject}",
        "message": "Facebook refused the access token: it has expired.",
        "link": f"https://etl.example/dashboard/jobs/{job_id}" if job_id else "https://etl.example/dashboard",
        "job_id": job_id,
        "schedule_id": schedule_id,
        "at": created.isoformat().replace("+00:00", "Z"),
    }
    due = now - timedelta(seconds=rng.uniform(1, 600))
    found = Notification(
        notification_id=nid,
        event=event,
        channel=channel,
        created_at=created,
        payload=payload,
        job_id=job_id,
        schedule_id=schedule_id,
        state=state,
        attempts=attempts,
        next_attempt_at=due if state is DeliveryState.PENDING else None,
    )
    return found, left


def history(
    rng: random.Random, rows: int, now: datetime
) -> Iterator[tuple[Notification, list[DeliveryState]]]:
    """`rows` notifications, events evenly over the last DAYS days, each sent to the settings'
    three channels and, for a schedule's job, to the schedule's own Slack channel; the last
    PENDING_DUE ones still PENDING and due."""
    events = rows / (len(SETTINGS_CHANNELS) + 0.3)
    step = timedelta(days=DAYS) / events
    start = now - timedelta(days=DAYS)
    made = n = 0
    while made < rows:
        created = min(start + step * n, now - timedelta(minutes=5))
        event = rng.choices(list(EVENT_WEIGHTS), weights=list(EVENT_WEIGHTS.values()))[0]
        schedule_id = (
            rng.choice(SCHEDULES) if rng.random() < 0.3 or event == "schedule_failed_twice" else None
        )
        job_id = None if event == "connection_expiring" else f"job-{n:07d}"
        subject = f"{job_id}#1" if job_id else f"conn-{rng.randrange(CONNECTIONS):03d}:{created:%Y-%m-%d}#{n}"
        channels = list(SETTINGS_CHANNELS)
        if schedule_id is not None:
            channels.append(f"schedule:{schedule_id}:slack")
        for channel in channels:
            if made == rows:
                break
            state = DeliveryState.FAILED if rng.random() < FAILED_SHARE else DeliveryState.SENT
            if made >= rows - PENDING_DUE:
                state = DeliveryState.PENDING
            yield notification(rng, event, subject, channel, created, state, job_id, schedule_id, now)
            made += 1
        n += 1


def seed_notifications(engine: sa.Engine, rows: int, now: datetime) -> list[str]:
    """Bulk-insert the history and the delivery counters its attempts leave; returns the jobs
    with notifications."""
    rng = random.Random(23)
    counters: Counter[str] = Counter()
    jobs: set[str] = set()
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(sa.insert(notifications), batch)
        batch.clear()

    for found, left in history(rng, rows, now):
        batch.append(notification_record(found))
        counters.update(counter_name(found.channel, state) for state in left)
        if found.job_id is not None:
            jobs.add(found.job_id)
        if len(batch) == BATCH:
            flush()
    if batch:
        flush()
    with engine.begin() as conn:
        conn.execute(sa.insert(maintenance_totals), [{"name": k, "total": v} for k, v in counters.items()])
    return sorted(jobs)


# --- connections -----------------------------------------------------------------------------


def seed_connections(store: SqlStore, now: datetime) -> int:
    """CONNECTIONS saved connections through the store: a tenth unchecked, the rest checked,
    with expiries already past, within the week, later or none. Returns how many expire
    within 7 days (past ones included)."""
    rng = random.Random(29)
    expiring = 0
    for n in range(CONNECTIONS):
        created = now - timedelta(days=rng.uniform(1, DAYS))
        connection = Connection(
            connection_id=f"conn-{n:03d}",
            platform="facebook" if n % 3 else "tiktok",
            name=f"Connection {n:03d}",
            created_at=created,
            created_by=f"user{n % 50:02d}@brand.example",
        )
        store.connections.insert(connection, b"gAAAAA" + rng.randbytes(120))
        draw = rng.random()
        if draw < 0.1:
            continue
        expires: datetime | None = None
        if draw < 0.15:
            expires = now - timedelta(days=rng.uniform(0.5, 30))
        elif draw < 0.25:
            expires = now + timedelta(days=rng.uniform(0.5, 6.5))
        elif draw < 0.8:
            expires = now + timedelta(days=rng.uniform(8, 60))
        expiring += expires is not None and expires <= now + timedelta(days=7)
        check = ConnectionCheck(
            checked_at=now - timedelta(hours=rng.uniform(0, 24)),
            ok=expires is None or expires > now,
            message="" if expires is None or expires > now else "Error validating access token",
            owner_name=f"Owner {n % 17}",
            owner_id=str(10_000_000 + n),
            scopes=("ads_read", "read_insights"),
            expires_at=expires,
        )
        store.connections.record_check(connection.connection_id, check)
    return expiring


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
