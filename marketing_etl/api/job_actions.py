"""Cancel and retry as HTTP answers, shared by /reports/* (API key) and /api/dashboard/jobs/*
(dashboard login): one wording of the answers, whichever door a user comes in by. A refusal is
an exception of job_errors.py, answered by api/errors.py's handler; the answers each route
declares in /openapi.json besides 200 and its own login's are listed here once."""

from __future__ import annotations

from marketing_etl.api.responses import BODY_TOO_LARGE, JSON_BODY_ERRORS, RETRY_INVALID, Responses
from marketing_etl.api.schemas import CancelResponse, RetryRequest, RetryResponse
from marketing_etl.contracts.executor import Executor
from marketing_etl.jobs import cancel_job, retry_job
from marketing_etl.models import JobStatus
from marketing_etl.services import Services

CANCEL_REQUESTED = "Cancel requested: the job stops at its next check and keeps what it already wrote."
NOT_FOUND: Responses = {404: {"description": "No job has this job_id"}}
CANCEL_ANSWERS: Responses = {
    **NOT_FOUND,
    **BODY_TOO_LARGE,
    409: {"description": "The job has already finished"},
}
RETRY_ANSWERS: Responses = {
    **NOT_FOUND,
    **JSON_BODY_ERRORS,
    409: {"description": "The job is not FAILED or CANCELLED"},
    **RETRY_INVALID,
}


def cancel(services: Services, job_id: str) -> CancelResponse:
    job = cancel_job(services, job_id)
    message = CANCEL_REQUESTED if job.status is JobStatus.RUNNING else job.message
    return CancelResponse(job_id=job_id, job_status=job.status, message=message)


def retry(services: Services, executor: Executor, job_id: str, body: RetryRequest | None) -> RetryResponse:
    token = body.access_token.get_secret_value() if body and body.access_token else None
    job = retry_job(services, executor, job_id, token)
    return RetryResponse(job_id=job_id, attempt=job.attempt, message=job.message)
