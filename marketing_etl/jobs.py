"""Job lifecycle commands shared by the HTTP API and the CLI: create, cancel, retry.

Each one validates, changes the store with compare-and-set transitions, and tells the executor;
none of them runs a job (that is the runner's job, on whatever executor is configured).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from marketing_etl.executors.base import Executor
from marketing_etl.models import Job, JobRequest, JobStatus, LogLine, utcnow
from marketing_etl.services import Services


class Outcome(StrEnum):
    CREATED = "created"
    EXISTS = "exists"  # same job_id, same body: nothing new
    CONFLICT = "conflict"  # same job_id, different body
    NOT_FOUND = "not_found"
    WRONG_STATE = "wrong_state"
    TOKEN_NEEDED = "token_needed"  # retry after the stored token was deleted
    APPLIED = "applied"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    job: Job | None = None


def create_job(services: Services, executor: Executor, request: JobRequest) -> Result:
    """Store a validated request as a QUEUED job and hand it to the executor. Raises StoreBusy
    (nothing stored) if the database stays locked past the store's wait budget."""
    spec = request.spec()
    fingerprint = spec.fingerprint()
    existing = services.store.get_job(spec.job_id)
    if existing is not None:
        return _existing(existing, fingerprint)
    token = request.access_token
    ciphertext = services.vault.encrypt(token.get_secret_value()) if token is not None else None
    job = Job(job_id=spec.job_id, spec=spec, fingerprint=fingerprint)
    accepted = LogLine(
        job_id=job.job_id,
        attempt=job.attempt,
        message=f"Job accepted: {spec.task_type.value} for {spec.user_email}",
    )
    # Job, token and first line in one write: "queued" is only ever answered for all of them.
    if not services.store.insert_job(job, ciphertext, [accepted]):
        # Lost a race with an identical job_id submitted at the same moment.
        raced = services.store.get_job(spec.job_id)
        return _existing(raced, fingerprint) if raced else Result(Outcome.CONFLICT)
    executor.submit(job.job_id)
    return Result(Outcome.CREATED, job)


def _existing(job: Job, fingerprint: str) -> Result:
    return Result(Outcome.EXISTS if job.fingerprint == fingerprint else Outcome.CONFLICT, job)


def cancel_job(services: Services, job_id: str) -> Result:
    """QUEUED -> CANCELLED at once; RUNNING -> flag for the runner's next check."""
    store = services.store
    now = utcnow()
    cancelled_now = store.transition(
        job_id,
        [JobStatus.QUEUED],
        status=JobStatus.CANCELLED,
        message="Cancelled by user before it started. Nothing was written to the destination.",
        finished_at=now,
    )
    if cancelled_now:
        services.vault.on_failure(job_id, now)
    elif not store.transition(job_id, [JobStatus.RUNNING], cancel_requested=True):
        job = store.get_job(job_id)
        return Result(Outcome.NOT_FOUND if job is None else Outcome.WRONG_STATE, job)
    job = store.get_job(job_id)
    if job is not None:
        _log(services, job, "Cancel requested by user")
    return Result(Outcome.APPLIED, job)


def retry_job(
    services: Services, executor: Executor, job_id: str, access_token: str | None
) -> Result:
    """A FAILED or CANCELLED job runs again as attempt N+1, keeping its checkpoint."""
    store = services.store
    job = store.get_job(job_id)
    if job is None:
        return Result(Outcome.NOT_FOUND)
    if job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
        return Result(Outcome.WRONG_STATE, job)
    if access_token:
        services.vault.put(job_id, access_token)
    elif services.vault.get(job_id, utcnow()) is None:
        return Result(Outcome.TOKEN_NEEDED, job)
    attempt = job.attempt + 1
    applied = store.transition(
        job_id,
        [JobStatus.FAILED, JobStatus.CANCELLED],
        status=JobStatus.QUEUED,
        attempt=attempt,
        recoveries=0,
        progress=0,
        message=f"Queued for retry (attempt {attempt})",
        started_at=None,
        finished_at=None,
        cancel_requested=False,
        queued_at=utcnow(),
        next_resend_at=None,
    )
    if not applied:
        return Result(Outcome.WRONG_STATE, store.get_job(job_id))
    # The token is needed again until this attempt ends, like a new job's.
    services.store.set_token_expiry(job_id, None)
    retried = store.get_job(job_id)
    assert retried is not None
    _log(services, retried, f"Retry requested: attempt {attempt}")
    executor.submit(job_id)
    return Result(Outcome.APPLIED, retried)


def _log(services: Services, job: Job, message: str) -> None:
    services.store.append_logs([LogLine(job_id=job.job_id, attempt=job.attempt, message=message)])
