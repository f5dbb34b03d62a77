"""Bounded history: one pruning pass over the store's raw records.

Deletes, in batches of 1,000 to 2,000 rows, each its own short transaction and followed by
as long a rest:
API-call records older than API_CALL_RETENTION_DAYS, log lines older than LOG_RETENTION_DAYS,
and finished jobs created before JOB_RETENTION_DAYS with everything recorded for them.
QUEUED and RUNNING jobs keep all of theirs; API-call rollups and schedules are never touched;
expired tokens have their own sweep (TOKEN_RETENTION_S). The scheduler runs a pass every
PRUNE_INTERVAL_S (schedules/pruning.py); `marketing-etl prune` runs one by hand.

One pass at a time per database: a pass holds a named lease in the store, so schedulers in
several processes never prune together.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from marketing_etl.contracts.notifications import NotificationStore
from marketing_etl.contracts.pruning import Deleted, PruneKind, Pruning
from marketing_etl.models import utcnow
from marketing_etl.services import Services, worker_identity

log = logging.getLogger(__name__)

T = TypeVar("T")

# Rows per batch. On SQLite each batch is one transaction that every writer of the file waits
# behind: 1,000 API-call rows took 10-40 ms (p99 70 ms on a loaded 2-core machine), 2,000 twice
# that, for the same rows per second. Elsewhere writers share no rows with the pass, but not the
# disk and the WAL, which a running job's progress write (an UPDATE and its commit) waits for:
# on PostgreSQL, 5,000-row batches delayed one by up to 320 ms once; with 2,000 and the rests
# below, a pass over 1,000,000 calls delayed none by more than 133 ms (benchmarks/dashboard.py).
SQLITE_BATCH_ROWS = 1_000
BATCH_ROWS = 2_000
# A job row carries its spec and a dozen indexes: on SQLite deleting 250 took 15 ms (90 at
# worst), like 2,000 records, and 125 half that, so expired jobs go an eighth of a batch at a time.
JOB_ROWS_DIVISOR = 8
# Between batches the pass rests for as long as the batch took (at least this), so the database
# is free at least half the time: on SQLite the write lock, for writers in other processes whose
# busy handler only polls for it (writers in this process queue fairly anyway, sqlite_writes.py);
# elsewhere the disk and the WAL, for the commits of running jobs.
MIN_PAUSE_S = 0.005
LEASE_NAME = "maintenance/prune"
# The lease outlives a stopped process by this much at most; the pass renews it as it goes.
LEASE_S = 120.0
RENEW_EVERY_S = LEASE_S / 4


@dataclass
class PruneReport:
    deleted: Deleted = field(default_factory=Deleted)
    batches: int = 0
    duration_ms: float = 0.0
    longest_batch_ms: float = 0.0
    # Set when another process's pass held the lease: this call deleted nothing.
    busy_holder: str | None = None
    # False when the pass stopped early (shutdown, or its lease was lost); the next one goes on.
    complete: bool = True

    def describe(self) -> str:
        if self.busy_holder is not None:
            return f"pruning skipped: a pass is already running in {self.busy_holder}"
        counts = ", ".join(f"{self.deleted.rows[kind]:,} {kind.value}" for kind in PruneKind)
        state = "" if self.complete else " (stopped early; the next pass continues)"
        return (
            f"pruned {counts} in {self.batches} batches, {self.duration_ms / 1000:.1f} s "
            f"(longest batch {self.longest_batch_ms:.0f} ms){state}"
        )


@dataclass(frozen=True)
class Cutoffs:
    """Records before these instants are expired; None keeps that kind forever."""

    jobs: datetime | None
    logs: datetime | None
    api_calls: datetime | None


def cutoffs(services: Services, now: datetime) -> Cutoffs:
    settings = services.settings

    def before(days: int) -> datetime | None:
        return now - timedelta(days=days) if days > 0 else None

    return Cutoffs(
        jobs=before(settings.job_retention_days),
        logs=before(settings.log_retention_days),
        api_calls=before(settings.api_call_retention_days),
    )


def prune_once(
    services: Services,
    now: datetime,
    *,
    batch_rows: int | None = None,
    stop: threading.Event | None = None,
) -> PruneReport:
    """One pass deleting what is expired at `now`, unless another process is running one.
    `stop` ends it between batches. Logs one line saying what it deleted."""
    pruning = services.store.pruning
    default_rows = SQLITE_BATCH_ROWS if pruning.single_writer else BATCH_ROWS
    rows = default_rows if batch_rows is None else batch_rows
    if rows < 1:
        raise ValueError("batch_rows must be at least 1")
    lease = _Lease(services)
    holder = lease.acquire()
    if holder is not None:
        report = PruneReport(busy_holder=holder)
    else:
        try:
            notifications = services.store.notifications
            report = _Pass(pruning, rows, lease, stop or threading.Event(), notifications).run(
                cutoffs(services, now)
            )
        finally:
            lease.release()
    log.info(report.describe())
    return report


class _Lease:
    """The store lease that makes a pass the only one on its database. It is timed by the real
    clock, not the pass's `now`, which a benchmark may set in the future."""

    def __init__(self, services: Services) -> None:
        self._locks = services.store.locks
        self._holder = worker_identity("prune")
        self._owner = f"{self._holder}:{uuid.uuid4().hex[:8]}"
        self._renewed_at = 0.0

    def acquire(self) -> str | None:
        """None when this pass has the lease, else who holds it."""
        now = utcnow()
        other = self._locks.acquire(
            LEASE_NAME,
            label="pruning pass",
            owner=self._owner,
            holder=self._holder,
            lease_until=now + timedelta(seconds=LEASE_S),
            now=now,
        )
        self._renewed_at = time.monotonic()
        return None if other is None else other.holder

    def keep(self) -> bool:
        """Renew when due; False if the lease was lost (this process stalled past it)."""
        if time.monotonic() - self._renewed_at < RENEW_EVERY_S:
            return True
        self._renewed_at = time.monotonic()
        return self._locks.renew(LEASE_NAME, self._owner, utcnow() + timedelta(seconds=LEASE_S))

    def release(self) -> None:
        self._locks.release(LEASE_NAME, self._owner)


class _Pass:
    def __init__(
        self,
        pruning: Pruning,
        batch_rows: int,
        lease: _Lease,
        stop: threading.Event,
        notifications: NotificationStore,
    ) -> None:
        self._pruning = pruning
        self._notifications = notifications
        self._batch_rows = batch_rows
        self._lease = lease
        self._stop = stop
        self._started = time.monotonic()
        self._last_batch_s = 0.0
        self.report = PruneReport()

    def run(self, cut: Cutoffs) -> PruneReport:
        pruning, rows = self._pruning, self._batch_rows
        complete = True
        if cut.api_calls is not None:
            calls = partial(pruning.delete_api_calls_before, cut.api_calls, rows)
            complete = self._drain(PruneKind.API_CALLS, calls)
        if complete and cut.logs is not None:
            lines = partial(pruning.delete_logs_before, cut.logs, rows)
            complete = self._drain(PruneKind.LOGS, lines)
        if complete and cut.jobs is not None:
            complete = self._expired_jobs(cut.jobs)
        self.report.complete = complete
        self.report.duration_ms = (time.monotonic() - self._started) * 1000
        return self.report

    def _expired_jobs(self, created_before: datetime) -> bool:
        """Each round takes a batch of expired jobs, deletes their records in batches, then the
        jobs themselves (with their tokens) in one more."""
        pruning, rows = self._pruning, self._batch_rows
        jobs_per_round = max(1, rows // JOB_ROWS_DIVISOR)
        while True:
            job_ids = pruning.expired_job_ids(created_before, jobs_per_round)
            if not job_ids:
                return True
            drained = self._drain(
                PruneKind.API_CALLS, partial(pruning.delete_api_calls_of, job_ids, rows)
            ) and self._drain(PruneKind.LOGS, partial(pruning.delete_logs_of, job_ids, rows))
            if not drained:
                return False
            deleted = self._timed(partial(pruning.delete_jobs, job_ids, created_before))
            # The batch's notifications go too: a job revived by a retry in between (a narrow
            # window) loses only the delivery history of its earlier attempt.
            self._notifications.delete_for_jobs(job_ids)
            self.report.deleted.merge(deleted)
            # Fewer than asked means none are left; none deleted means all were revived meanwhile.
            if len(job_ids) < jobs_per_round or deleted.rows[PruneKind.JOBS] == 0:
                return True
            if not self._go_on():
                return False

    def _drain(self, kind: PruneKind, batch: Callable[[], int]) -> bool:
        """Run `batch` until it deletes less than a full batch; False if stopped before."""
        while True:
            count = self._timed(batch)
            self.report.deleted.add(kind, count)
            if count < self._batch_rows:
                return True
            if not self._go_on():
                return False

    def _timed(self, batch: Callable[[], T]) -> T:
        started = time.monotonic()
        result = batch()
        self._last_batch_s = time.monotonic() - started
        self.report.batches += 1
        self.report.longest_batch_ms = max(self.report.longest_batch_ms, self._last_batch_s * 1000)
        return result

    def _go_on(self) -> bool:
        """Between two batches: rest, then say whether to carry on."""
        if self._stop.wait(max(MIN_PAUSE_S, self._last_batch_s)):
            return False
        if not self._lease.keep():
            log.warning("pruning stopped: its lease %s was taken over", LEASE_NAME)
            return False
        return True
