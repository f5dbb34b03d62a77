"""run_job(): the one place that runs a job, whoever calls it (local pool, Celery task, CLI, tests).

Claim the job -> fetch (source) -> transform -> write (destination) -> record the outcome.
Every exception becomes a final status with a message a marketer can act on; the token is
dropped on success and kept for a while on failure so that a retry needs no new one.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import timedelta

from marketing_etl.context import (
    JobContext,
    StopSignal,
    WorkerStopping,
    activate,
    install_job_log_handler,
)
from marketing_etl.contracts.report import Report, WriteResult
from marketing_etl.contracts.store import Store
from marketing_etl.errors import EtlError, FatalError, JobCancelled
from marketing_etl.models import Job, JobStatus, utcnow
from marketing_etl.notifications.events import on_job_finished
from marketing_etl.plugins import Plugins
from marketing_etl.settings import Settings
from marketing_etl.tokens import TokenVault
from marketing_etl.transforms.totals_check import TotalsStep

log = logging.getLogger(__name__)


@dataclass
class RunnerDeps:
    store: Store
    vault: TokenVault
    settings: Settings
    plugins: Plugins
    owner: str  # who holds the lease: "<host>:<pid>:<thread or task>"
    stopping: StopSignal | None = None  # set when the worker shuts down: hand the job back


def run_job(job_id: str, deps: RunnerDeps) -> JobStatus | None:
    """Run one QUEUED job to a final status. Returns that status, or None if the job was not
    QUEUED (already taken by another worker, cancelled before start, or unknown), or QUEUED if
    the worker began stopping and handed the job back to the queue."""
    install_job_log_handler()
    now = utcnow()
    lease_until = now + timedelta(seconds=deps.settings.job_lease_s)
    job = deps.store.claim(job_id, deps.owner, lease_until, now)
    if job is None:
        return None
    token, missing_token = deps.vault.for_job(job, now)
    ctx = JobContext(
        job=job,
        store=deps.store,
        settings=deps.settings,
        access_token=token,
        missing_token=missing_token,
        deadline=time.monotonic() + deps.settings.job_soft_time_limit_s,
        stopping=deps.stopping,
    )
    heartbeat = _Heartbeat(deps, ctx)
    heartbeat.start()
    try:
        with activate(ctx):
            return _run_claimed(job, ctx, deps)
    finally:
        heartbeat.stop()


def _run_claimed(job: Job, ctx: JobContext, deps: RunnerDeps) -> JobStatus:
    spec = job.spec
    attempt_note = f" (attempt {job.attempt})" if job.attempt > 1 else ""
    ctx.progress(0, f"Starting {spec.task_type} report{attempt_note}")
    try:
        result = _pipeline(ctx, deps.plugins)
    except JobCancelled:
        return _finish(ctx, deps, JobStatus.CANCELLED, f"Cancelled by user. {_written(ctx)}")
    except WorkerStopping:
        return _hand_back(ctx, deps)
    except EtlError as exc:
        if exc.detail:
            ctx.log(exc.detail, "ERROR")
        # A FatalError needs someone to fix something first: promising a resume would mislead.
        resumable = not isinstance(exc, FatalError)
        return _finish(ctx, deps, JobStatus.FAILED, f"{exc.user_message} {_written(ctx, resumable)}")
    except Exception as exc:
        ctx.log(traceback.format_exc(), "ERROR")
        message = (
            f"Unexpected internal error ({type(exc).__name__}: {exc}). "
            f"Please report it with the job id. {_written(ctx)}"
        )
        return _finish(ctx, deps, JobStatus.FAILED, message)
    done = f"Wrote {result.rows_written} rows"
    if result.url:
        done += f" to {result.url}"
    if ctx.warnings:
        done += ". " + "; ".join(ctx.warnings)
    return _finish(ctx, deps, JobStatus.SUCCESS, done, result)


def _pipeline(ctx: JobContext, plugins: Plugins) -> WriteResult:
    spec = ctx.spec
    source = plugins.sources.get(spec.task_type)
    if source is None:
        raise FatalError(f"{spec.task_type} reports are not available in this installation.")
    destination = plugins.destinations.get(spec.destination)
    if destination is None:
        raise FatalError(f"Writing to {spec.destination} is not available in this installation.")
    ctx.check_cancel(force=True)
    report: Report = source.fetch(ctx)
    # Sums the rows before any transform converts their currency (transforms/totals_check.py).
    totals = TotalsStep.start(ctx, report, source.display_name)
    if totals is not None:
        report = totals.report
    for transform in plugins.transforms:
        ctx.check_cancel()
        report = transform(ctx, report)
    ctx.check_cancel(force=True)
    result = destination.write(ctx, report)
    if totals is not None:
        totals.finish()  # stored before the final status, which notifications read it after
    return result


def _written(ctx: JobContext, resumable: bool = True) -> str:
    if ctx.rows_written == 0:
        return "Nothing was written to the destination."
    if not resumable:
        return f"{ctx.rows_written} rows had already been written."
    return f"{ctx.rows_written} rows had already been written; a retry continues from there."


def _finish(
    ctx: JobContext,
    deps: RunnerDeps,
    status: JobStatus,
    message: str,
    result: WriteResult | None = None,
) -> JobStatus:
    now = utcnow()
    fields: dict[str, object] = {
        "status": status,
        "message": ctx.redact(message),
        "finished_at": now,
        "lease_owner": None,
        "lease_expires_at": None,
        "cancel_requested": False,
    }
    if result is not None:
        fields.update(progress=100, rows_written=result.rows_written, destination_url=result.url)
    # Only while this worker holds the lease: after a stall past it, the job belongs to the
    # attempt that recovery handed it to, and this outcome must not overwrite that one.
    if not deps.store.transition(ctx.job_id, [JobStatus.RUNNING], owner=deps.owner, **fields):
        ctx.log(f"This worker lost the job before it could record: {message}", "WARNING")
        return status
    ctx.log(message, "ERROR" if status is JobStatus.FAILED else "INFO")
    if status is JobStatus.SUCCESS:
        deps.vault.on_success(ctx.job_id)
    else:
        deps.vault.on_failure(ctx.job_id, now)
    # After the outcome is stored, and never raising: a notification cannot change a job's fate.
    on_job_finished(deps.store, deps.settings, deps.vault, ctx.job_id)
    return status


def _hand_back(ctx: JobContext, deps: RunnerDeps) -> JobStatus:
    """RUNNING -> QUEUED for the next worker, keeping rows_written and the checkpoint so that it
    continues where this one stopped. Not a recovery: a clean stop does not count against the
    job the way a crashed worker does."""
    message = (
        "Its worker is stopping; back in the queue to continue on another worker "
        f"({ctx.rows_written} rows written so far)."
    )
    handed = deps.store.transition(
        ctx.job_id,
        [JobStatus.RUNNING],
        owner=deps.owner,
        status=JobStatus.QUEUED,
        progress=0,
        message=message,
        started_at=None,
        lease_owner=None,
        lease_expires_at=None,
        queued_at=utcnow(),
        next_resend_at=None,
    )
    ctx.log(message if handed else "This worker lost the job while stopping", "WARNING")
    return JobStatus.QUEUED


class _Heartbeat:
    """Renews the job's lease while it runs, so a crashed worker's job can be recovered."""

    def __init__(self, deps: RunnerDeps, ctx: JobContext) -> None:
        self._deps = deps
        self._ctx = ctx
        self._stop = threading.Event()
        self._interval_s = max(1.0, deps.settings.job_lease_s / 3)
        self._thread = threading.Thread(
            target=self._loop, name=f"lease-{ctx.job_id}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        lease_s = self._deps.settings.job_lease_s
        while not self._stop.wait(self._interval_s):
            until = utcnow() + timedelta(seconds=lease_s)
            try:
                still_ours = self._deps.store.renew_lease(self._ctx.job_id, self._deps.owner, until)
            except Exception:
                log.exception("lease renewal failed for job %s", self._ctx.job_id)
                continue
            if not still_ours:
                self._ctx.mark_lease_lost()
                return
