"""Job lifecycle commands shared by the HTTP API, the CLI and the scheduler: check, create, cancel,
retry.

Each one changes the store with compare-and-set transitions and tells the executor; none of them
runs a job (that is the runner's job, on whatever executor is configured). A command that cannot
be applied raises one of job_errors.py's errors and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from marketing_etl.connections.manage import request_problems as connection_problems
from marketing_etl.contracts.executor import Executor
from marketing_etl.contracts.plugins import FieldProblem
from marketing_etl.job_errors import Conflict, Invalid, JobNotFound, TokenNeeded, WrongState
from marketing_etl.job_spec import JobRequest
from marketing_etl.models import Job, JobStatus, LogLine, utcnow
from marketing_etl.services import Services
from marketing_etl.tokens import Redactor
from marketing_etl.validation import canonical, validate_request

RETRYABLE = (JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True)
class Created:
    job: Job
    new: bool  # False: the same request had created it already, and nothing was queued now


def check_request(
    services: Services, request: JobRequest, today_utc: date, *, connection_must_exist: bool = True
) -> None:
    """Raises Invalid with every cross-field problem of a parsed request, the request's access
    token masked wherever a message quotes it. A schedule's firing passes connection_must_exist
    False: its job is created and fails saying the connection was deleted, where people look."""
    problems = validate_request(request, services.plugins, today_utc, services.settings)
    flagged = {problem.field for problem in problems}
    if connection_must_exist:
        problems += [p for p in connection_problems(services, request) if p.field not in flagged]
    if problems:
        token = request.access_token.get_secret_value() if request.access_token else None
        redact = Redactor(token)
        raise Invalid([FieldProblem(problem.field, redact(problem.message)) for problem in problems])


def create_job(services: Services, executor: Executor, request: JobRequest) -> Created:
    """Store a request (checked by check_request) as a QUEUED job and hand it to the executor.
    Raises Conflict if its job_id holds a different request, and StoreBusy (nothing stored) if
    the database stays locked past the store's wait budget."""
    spec = canonical(request.spec(), services.plugins)  # an alias is stored as its task type
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
        message=f"Job accepted: {spec.task_type} for {spec.user_email}",
    )
    # Job, token and first line in one write: "queued" is only ever answered for all of them.
    if not services.store.insert_job(job, ciphertext, [accepted]):
        # Lost a race with an identical job_id submitted at the same moment.
        raced = services.store.get_job(spec.job_id)
        if raced is None:
            raise Conflict(spec.job_id)
        return _existing(raced, fingerprint)
    executor.submit(job.job_id)
    return Created(job, new=True)


def _existing(job: Job, fingerprint: str) -> Created:
    if job.fingerprint != fingerprint:
        raise Conflict(job.job_id)
    return Created(job, new=False)


def get_job(services: Services, job_id: str) -> Job:
    job = services.store.get_job(job_id)
    if job is None:
        raise JobNotFound(job_id)
    return job


def cancel_job(services: Services, job_id: str) -> Job:
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
        job = get_job(services, job_id)
        raise WrongState(
            job, f"Job '{job_id}' has already finished ({job.status.value}); there is nothing to cancel."
        )
    job = get_job(services, job_id)
    _log(services, job, "Cancel requested by user")
    return job


def retry_job(services: Services, executor: Executor, job_id: str, access_token: str | None) -> Job:
    """A FAILED or CANCELLED job runs again as attempt N+1, keeping its checkpoint. Without
    `access_token` the stored one is used; TokenNeeded if it was deleted."""
    store = services.store
    job = get_job(services, job_id)
    if job.status not in RETRYABLE:
        raise _not_retryable(job)
    if access_token:
        services.vault.put(job_id, access_token)
    elif services.vault.get(job_id, utcnow()) is None and not job.spec.connection_id:
        raise TokenNeeded()
    attempt = job.attempt + 1
    applied = store.transition(
        job_id,
        list(RETRYABLE),
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
        raise _not_retryable(get_job(services, job_id))
    # The token is needed again until this attempt ends, like a new job's.
    services.store.set_token_expiry(job_id, None)
    retried = get_job(services, job_id)
    _log(services, retried, f"Retry requested: attempt {attempt}")
    executor.submit(job_id)
    return retried


def _not_retryable(job: Job) -> WrongState:
    return WrongState(
        job, f"Job '{job.job_id}' is {job.status.value}; only FAILED or CANCELLED jobs can be retried."
    )


def _log(services: Services, job: Job, message: str) -> None:
    services.store.append_logs([LogLine(job_id=job.job_id, attempt=job.attempt, message=message)])
