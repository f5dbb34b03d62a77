"""Cancel and retry as HTTP answers, shared by /reports/* (API key) and /api/dashboard/jobs/*
(dashboard login): one translation of the `jobs.py` outcomes, whichever door a user comes in by."""

from __future__ import annotations

from fastapi import HTTPException, status
from fastapi.responses import JSONResponse

from marketing_etl.api.errors import problem, unprocessable
from marketing_etl.api.schemas import CancelResponse, RetryRequest, RetryResponse
from marketing_etl.executors.base import Executor
from marketing_etl.jobs import Outcome, Result, cancel_job, retry_job
from marketing_etl.models import Job, JobStatus
from marketing_etl.services import Services

CANCEL_REQUESTED = "Cancel requested: the job stops at its next check and keeps what it already wrote."
TOKEN_NEEDED = 'the stored access token of this job was deleted; send a new one: {"access_token": "..."}'


def cancel(services: Services, job_id: str) -> CancelResponse:
    job = _applied(
        cancel_job(services, job_id),
        job_id,
        "Job '{job_id}' has already finished ({status}); there is nothing to cancel.",
    )
    message = CANCEL_REQUESTED if job.status is JobStatus.RUNNING else job.message
    return CancelResponse(job_id=job_id, job_status=job.status, message=message)


def retry(
    services: Services, executor: Executor, job_id: str, body: RetryRequest | None
) -> RetryResponse | JSONResponse:
    token = body.access_token.get_secret_value() if body and body.access_token else None
    result = retry_job(services, executor, job_id, token)
    if result.outcome is Outcome.TOKEN_NEEDED:
        return unprocessable([problem("access_token", TOKEN_NEEDED, "missing")])
    job = _applied(
        result, job_id, "Job '{job_id}' is {status}; only FAILED or CANCELLED jobs can be retried."
    )
    return RetryResponse(job_id=job_id, attempt=job.attempt, message=job.message)


def job_not_found(job_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"No job with job_id '{job_id}'.")


def _applied(result: Result, job_id: str, wrong_state: str) -> Job:
    """The job the command changed; 404 or 409 (`wrong_state` filled with job_id and status)."""
    if result.outcome is Outcome.NOT_FOUND or result.job is None:
        raise job_not_found(job_id)
    if result.outcome is Outcome.WRONG_STATE:
        detail = wrong_state.format(job_id=job_id, status=result.job.status.value)
        raise HTTPException(status.HTTP_409_CONFLICT, detail)
    return result.job
