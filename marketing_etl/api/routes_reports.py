"""/reports/*: create, look up, cancel and retry jobs (the original clients' endpoints).

The lifecycle itself lives in `jobs.py`; its refusals become HTTP answers in api/errors.py.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, status
from fastapi.responses import JSONResponse

from marketing_etl.api import job_actions
from marketing_etl.api.auth import require_api_key
from marketing_etl.api.deps import ExecutorDep, ServicesDep
from marketing_etl.api.examples import CREATE_JOB_EXAMPLES, RETRY_EXAMPLES
from marketing_etl.api.responses import JSON_BODY_ERRORS, invalid_fields
from marketing_etl.api.schemas import (
    CancelResponse,
    CreateJobResponse,
    JobReport,
    RetryRequest,
    RetryResponse,
    job_report,
)
from marketing_etl.api.totals_schemas import totals_summary
from marketing_etl.contracts.store import StoreBusy
from marketing_etl.job_spec import JobRequest
from marketing_etl.jobs import check_request, create_job, get_job
from marketing_etl.models import utcnow

log = logging.getLogger(__name__)
# Long enough for a burst of writes to pass; the same job_id sent again is idempotent.
STORE_BUSY_RETRY_AFTER_S = 5

router = APIRouter(prefix="/reports", tags=["reports"], dependencies=[Depends(require_api_key)])

_UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "API_KEYS is set and the X-API-Key header is missing or wrong"}
}


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
    check_request(services, body, utcnow().date())
    try:
        created = create_job(services, executor, body)
    except StoreBusy as exc:
        log.warning("create-job %s answered 503: %s", body.job_id, exc)
        return _store_busy()
    if not created.new:
        current = created.job.status.value.lower()
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
        "the attempt number, the request's fields, timings (UTC), rows written, the sheet URL and "
        "the totals check's summary (the rows' sums against the platform's account totals)."
    ),
    responses={**_UNAUTHORIZED, **job_actions.NOT_FOUND},
)
def get_report(job_id: str, services: ServicesDep) -> JobReport:
    report = job_report(get_job(services, job_id))
    report.totals_check = totals_summary(services.store.totals_checks.get(job_id))
    return report


@router.post(
    "/{job_id}/cancel",
    response_model=CancelResponse,
    summary="Cancel a job",
    description=(
        "A queued job is cancelled at once. A running job stops at its next check (within "
        "seconds) and ends CANCELLED, keeping what it already wrote; `job_status` says which "
        "happened. A finished job cannot be cancelled (409)."
    ),
    responses={**_UNAUTHORIZED, **job_actions.CANCEL_ANSWERS},
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
    responses={**_UNAUTHORIZED, **job_actions.RETRY_ANSWERS},
)
def retry_report_job(
    job_id: str,
    services: ServicesDep,
    executor: ExecutorDep,
    body: Annotated[RetryRequest | None, Body(openapi_examples=RETRY_EXAMPLES)] = None,
) -> RetryResponse:
    return job_actions.retry(services, executor, job_id, body)
