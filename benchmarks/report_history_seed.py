"""Seeding for benchmarks/report_history.py: totals checks, notifications and connections
over a year of history, bulk-inserted in the record formats the SQL stores write."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from marketing_etl.contracts.connections import Connection, ConnectionCheck
from marketing_etl.contracts.notifications import DeliveryAttempt, DeliveryState, Notification
from marketing_etl.contracts.totals import MetricComparison, TotalsCheck, TotalsOutcome
from marketing_etl.notifications.events import notification_id
from marketing_etl.storage.notification_records import counter_name, notification_record
from marketing_etl.storage.sql import SqlStore
from marketing_etl.storage.sql_report_tables import notifications, totals_checks
from marketing_etl.storage.sql_schema import maintenance_totals
from marketing_etl.storage.totals_docs import comparisons_to_doc

DAYS = 365
BATCH = 5_000
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


@dataclass
class Seeded:
    """What the timed queries ask for: ids that exist, and the expected answers to check."""

    job_ids: list[str]  # totals checks' jobs
    notified_jobs: list[str]  # jobs with notifications
    mismatches: int
    mismatches_last_day: int
    seconds: dict[str, float]


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
