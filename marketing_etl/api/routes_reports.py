"""/reports/*: create, look up, cancel and retry jobs (the original clients' endpoints).

The lifecycle itself lives in `jobs.py`; these handlers translate its outcomes to HTTP.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, status
from fastapi.responses import JSONResponse

from marketing_etl.api import job_actions
from marketing_etl.api.auth import require_api_key
from marketing_etl.api.deps import ExecutorDep, ServicesDep
from marketing_etl.api.errors import field_problems
from marketing_etl.api.examples import CREATE_JOB_EXAMPLES, RETRY_EXAMPLES
from marketing_etl.api.responses import BODY_TOO_LARGE, JSON_BODY_ERRORS, RETRY_INVALID, invalid_fields
from marketing_etl.api.schemas import (
    CancelResponse,
    CreateJobResponse,
    JobReport,
    RetryRequest,
    RetryResponse,
    job_report,
)
from marketing_etl.jobs import Outcome, create_job
from marketing_etl.models import JobRequest, utcnow
from marketing_etl.storage.base import StoreBusy
from marketing_etl.validation import validate_request

log = logging.getLogger(__name__)
# Long enough for a burst of writes to pass; the same job_id sent again is idempotent.
STORE_BUSY_RETRY_AFTER_S = 5

router = APIRouter(prefix="/reports", tags=["reports"], dependencies=[Depends(require_api_key)])

_UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "API_KEYS is set and the X-API-Key header is missing or wrong"}
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No job has this job_id"}}


@router.post(
    "/create-job",
    response_model=CreateJobResponse,
    summary="Queue a report job",
    description=(
        "Validates the request and queues it; a worker fetches the report and writes it to the "
        "sheet. Invalid fields give 422 with one entry per field, each saying what to fix.\n\n"
        "The job_id makes the call idempotent: sending the same body again returns the existing "
        "job's status and queues nothing; a different body under a used job_id is refused with 409.\n\n"
        "The access token is stored encrypted, only while the job may need it, and is never returned."
    ),
    responses={
        **_UNAUTHORIZED,
        **JSON_BODY_ERRORS,
        409: {"description": "The job_id is already used by a different request"},
        503: {"description": "The database stayed busy too long; nothing was stored: send it again"},
        **invalid_fields(
            "Invalid fields, or more than a field's limit (see the README); one entry per field "
            "with the fix. Nothing is stored.",
            ["selected_fields"],
            "selected_fields has 65 entries; the 'Ad Daily Report' template has 49 fields, so at "
            "most 49 — remove duplicates or unknown ones (GET /reports/templates lists every "
            "template's fields)",
        ),
    },
)
def create_report_job(
    body: Annotated[JobRequest, Body(openapi_examples=CREATE_JOB_EXAMPLES)],
    services: ServicesDep,
    executor: ExecutorDep,
) -> CreateJobResponse | JSONResponse:
    token = body.access_token.get_secret_value() if body.access_token else ""
    problems = validate_request(body, services.plugins, utcnow().date(), services.settings)
    if problems:
        return field_problems(problems, [token])
    try:
        result = create_job(services, executor, body)
    except StoreBusy as exc:
        log.warning("create-job %s answered 503: %s", body.job_id, exc)
        return _store_busy()
    if result.outcome is Outcome.CONFLICT:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"job_id '{body.job_id}' is already used by a different request; send a new job_id "
            "(or, to look that job up, GET /reports/{job_id}).",
        )
    assert result.job is not None
    if result.outcome is Outcome.EXISTS:
        current = result.job.status.value.lower()
        return CreateJobResponse(
            status=current,
            job_id=body.job_id,
            message=f"This job already exists with the same request (status: {current}); "
            "nothing new was queued.",
        )
    return CreateJobResponse(status="queued", job_id=body.job_id, message="Job accepted and queued.")


def _store_busy() -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(STORE_BUSY_RETRY_AFTER_S)},
        content={
            "detail": "The job store is too busy to take this job right now; nothing was stored. "
            f"Send the same request again (same job_id) in {STORE_BUSY_RETRY_AFTER_S} seconds."
        },
    )


@router.get(
    "/{job_id}",
    response_model=JobReport,
    summary="A job's status, progress and result",
    description=(
        "Status (QUEUED, RUNNING, SUCCESS, FAILED, CANCELLED), progress 0-100, the latest message, "
        "the attempt number, the request's fields, timings (UTC), rows written and the sheet URL."
    ),
    responses={**_UNAUTHORIZED, **_NOT_FOUND},
)
def get_report(job_id: str, services: ServicesDep) -> JobReport:
    job = services.store.get_job(job_id)
    if job is None:
        raise job_actions.job_not_found(job_id)
    return job_report(job)


@router.post(
    "/{job_id}/cancel",
    response_model=CancelResponse,
    summary="Cancel a job",
    description=(
        "A queued job is cancelled at once. A running job stops at its next check (within "
        "seconds) and ends CANCELLED, keeping what it already wrote; `job_status` says which "
        "happened. A finished job cannot be cancelled (409)."
    ),
    responses={
        **_UNAUTHORIZED,
        **_NOT_FOUND,
        **BODY_TOO_LARGE,
        409: {"description": "The job has already finished"},
    },
)
def cancel_report_job(job_id: str, services: ServicesDep) -> CancelResponse:
    return job_actions.cancel(services, job_id)


@router.post(
    "/{job_id}/retry",
    response_model=RetryResponse,
    summary="Run a failed or cancelled job again",
    description=(
        "Queues the job again as its next attempt; it continues from what it had already "
        "written. The stored access token is reused; if it was already deleted (it is kept for "
        "TOKEN_RETENTION_S after the job ended), send a new one in the body."
    ),
    responses={
        **_UNAUTHORIZED,
        **_NOT_FOUND,
        **JSON_BODY_ERRORS,
        409: {"description": "The job is not FAILED or CANCELLED"},
        **RETRY_INVALID,
    },
)
def retry_report_job(
    job_id: str,
    services: ServicesDep,
    executor: ExecutorDep,
    body: Annotated[RetryRequest | None, Body(openapi_examples=RETRY_EXAMPLES)] = None,
) -> RetryResponse | JSONResponse:
    return job_actions.retry(services, executor, job_id, body)
