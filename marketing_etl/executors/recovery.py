"""Jobs whose worker died: a RUNNING job whose lease nobody renews any more.

A worker renews its job's lease while it runs (runner._Heartbeat). If the process is killed,
runs out of memory or its machine restarts, the lease runs out and the job would stay RUNNING
forever. The sweeper finds those jobs: the first time it puts the job back in the queue, the
second time it fails it, because a job that takes its worker down twice will most likely do it
again and should not loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from marketing_etl.contracts.executor import Executor
from marketing_etl.executors.resend import resend_waiting_jobs
from marketing_etl.models import Job, JobStatus, LogLine, utcnow
from marketing_etl.notifications.events import on_job_finished
from marketing_etl.services import Services

log = logging.getLogger(__name__)

MAX_RECOVERIES = 1
REQUEUED_MESSAGE = "The worker running this job stopped; re-queued automatically"


def recover_expired_leases(services: Services, executor: Executor, now: datetime) -> list[str]:
    """Re-queue (once) or fail every RUNNING job whose lease expired; returns their job ids."""
    recovered: list[str] = []
    for job in services.store.expired_leases(now):
        if _recover(services, executor, job, now):
            recovered.append(job.job_id)
    return recovered


def _recover(services: Services, executor: Executor, job: Job, now: datetime) -> bool:
    if job.cancel_requested:
        return _cancel(services, job, now)
    if job.recoveries < MAX_RECOVERIES:
        return _requeue(services, executor, job, now)
    return _fail(services, job, now)


def _requeue(services: Services, executor: Executor, job: Job, now: datetime) -> bool:
    applied = services.store.transition(
        job.job_id,
        [JobStatus.RUNNING],
        status=JobStatus.QUEUED,
        recoveries=job.recoveries + 1,
        progress=0,
        message=REQUEUED_MESSAGE,
        lease_owner=None,
        lease_expires_at=None,
        queued_at=now,
        next_resend_at=None,
    )
    if not applied:
        return False
    detail = f"worker {job.lease_owner} stopped renewing its lease"
    _log(services, job, "WARNING", f"{REQUEUED_MESSAGE} ({detail})")
    executor.submit(job.job_id)
    return True


def _fail(services: Services, job: Job, now: datetime) -> bool:
    message = (
        "The worker running this job stopped twice (it may be too large for one worker, or "
        "crash it); retry it, with a shorter date range if it happens again. "
        f"{job.rows_written} rows had been written."
    )
    return _finish(services, job, now, JobStatus.FAILED, message)


def _cancel(services: Services, job: Job, now: datetime) -> bool:
    message = (
        "Cancelled by user (its worker had stopped before confirming). "
        f"{job.rows_written} rows had been written."
    )
    return _finish(services, job, now, JobStatus.CANCELLED, message)


def _finish(services: Services, job: Job, now: datetime, status: JobStatus, message: str) -> bool:
    applied = services.store.transition(
        job.job_id,
        [JobStatus.RUNNING],
        status=status,
        message=message,
        finished_at=now,
        lease_owner=None,
        lease_expires_at=None,
        cancel_requested=False,
    )
    if not applied:
        return False
    _log(services, job, "ERROR" if status is JobStatus.FAILED else "INFO", message)
    services.vault.on_failure(job.job_id, now)
    # A job failed here never reached the runner's own ending, which notifies.
    on_job_finished(services.store, services.settings, services.vault, job.job_id)
    return True


def _log(services: Services, job: Job, level: str, message: str) -> None:
    line = LogLine(job_id=job.job_id, attempt=job.attempt, level=level, message=message)
    services.store.append_logs([line])


class RecoverySweeper:
    """Runs recover_expired_leases and resend_waiting_jobs now and then every half lease, in a
    daemon thread, along with the executor's own periodic chores (`housekeeping`)."""

    def __init__(
        self,
        services: Services,
        executor: Executor,
        *,
        interval_s: float | None = None,
        housekeeping: Callable[[], None] | None = None,
    ) -> None:
        self._services = services
        self._executor = executor
        self._housekeeping = housekeeping
        self._interval_s = interval_s or max(1.0, services.settings.job_lease_s / 2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lease-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=wait_s)

    def sweep(self) -> list[str]:
        now = utcnow()
        recovered = recover_expired_leases(self._services, self._executor, now)
        if recovered:
            log.warning("recovered jobs whose worker stopped: %s", ", ".join(recovered))
        resent = resend_waiting_jobs(self._services, self._executor, now)
        if resent:
            log.warning(
                "published again %d jobs queued for over %d s without a worker taking them: %s",
                len(resent), self._services.settings.queue_resend_after_s, ", ".join(resent),
            )
        # Expired tokens are unusable already; deleting them keeps secrets only as long as needed.
        self._services.store.purge_expired_tokens(now)
        if self._housekeeping is not None:
            self._housekeeping()
        return recovered

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.sweep()
            except Exception:  # the store may be briefly unreachable; try again next round
                log.exception("lease recovery sweep failed")
            self._stop.wait(self._interval_s)
