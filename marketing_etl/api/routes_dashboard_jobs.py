"""/api/dashboard/jobs/{job_id}*: one job for the detail page, its API usage, its log file, and
cancel / retry behind the dashboard login.

Cancel and retry run the same `jobs.py` commands as POST /reports/{job_id}/cancel|retry, so the
browser never needs an API key. Because a browser re-sends Basic credentials to any page that
posts here, those two also need the `X-Dashboard` header, which a cross-site form cannot set
(no CORS is configured) — so another site cannot cancel jobs through a logged-in browser.
Mounted under routes_dashboard's router, which adds the prefix and the dashboard login.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, HTTPException, status
from fastapi.responses import FileResponse, PlainTextResponse
from pydantic import BaseModel, Field

from marketing_etl.api import job_actions
from marketing_etl.api.deps import ExecutorDep, ServicesDep
from marketing_etl.api.responses import Responses, json_answer
from marketing_etl.api.routes_files import FILE_RESPONSES, report_file
from marketing_etl.api.schemas import (
    CancelResponse,
    JobReport,
    RetryRequest,
    RetryResponse,
    iso_z,
    job_report,
)
from marketing_etl.api.totals_schemas import TotalsCheckOut, totals_detail
from marketing_etl.dashboard.usage import (
    CRITICAL_PCT,
    WARNING_PCT,
    AccountUsage,
    UsagePoint,
    accounts_table,
    usage_point,
)
from marketing_etl.jobs import RETRYABLE, get_job
from marketing_etl.models import ACTIVE_STATUSES, Job, JobStatus, LogLine, utcnow

router = APIRouter(prefix="/jobs")

MAX_POINTS = 2000
CSRF_HEADER = "X-Dashboard"
MISSING_HEADER = f"Send the {CSRF_HEADER} header (any value) with dashboard actions."
_HEADER_MISSING: Responses = {
    403: json_answer(f"The {CSRF_HEADER} header is missing (any value will do)", {"detail": MISSING_HEADER})
}
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def require_dashboard_header(
    x_dashboard: Annotated[str | None, Header(description="any value; proves a same-site caller")] = None,
) -> None:
    if not x_dashboard:
        raise HTTPException(status.HTTP_403_FORBIDDEN, MISSING_HEADER)


class JobDetail(BaseModel):
    job: JobReport
    eta_s: float | None = Field(description="estimated seconds left, from progress so far; running jobs only")
    can_cancel: bool
    can_retry: bool
    token_stored: bool = Field(description="whether the job's own access token is still stored")
    uses_connection: bool = Field(
        description="the job reads its token from a saved connection: a retry needs no access token"
    )


class JobUsage(BaseModel):
    job_id: str
    calls: int
    points: list[UsagePoint] = Field(description="per call, oldest first; the latest 2000 at most")
    accounts: list[AccountUsage]
    warning_pct: float = WARNING_PCT
    critical_pct: float = CRITICAL_PCT


def job_eta_s(job: Job) -> float | None:
    elapsed = job.duration_s
    if job.status is not JobStatus.RUNNING or elapsed is None or not 0 < job.progress < 100:
        return None
    return round(elapsed * (100 - job.progress) / job.progress, 1)


@router.get(
    "/{job_id}",
    response_model=JobDetail,
    summary="One job for the detail page",
    responses=job_actions.NOT_FOUND,
)
def job_detail(job_id: str, services: ServicesDep) -> JobDetail:
    """The job (never its token), an ETA while it runs, which of cancel and retry apply, and
    whether a retry needs a new access token: only when neither its own token is stored nor it
    uses a saved connection."""
    job = get_job(services, job_id)
    retryable = job.status in RETRYABLE
    return JobDetail(
        job=job_report(job),
        eta_s=job_eta_s(job),
        can_cancel=job.status in ACTIVE_STATUSES and not job.cancel_requested,
        can_retry=retryable,
        token_stored=services.vault.get(job_id, utcnow()) is not None,
        uses_connection=job.spec.connection_id is not None,
    )


@router.get(
    "/{job_id}/totals-check",
    response_model=TotalsCheckOut | None,
    summary="The job's totals check: per account and metric, the platform's total and the rows' sum",
    responses=job_actions.NOT_FOUND,
)
def job_totals_check(job_id: str, services: ServicesDep) -> TotalsCheckOut | None:
    """null when the job has no check (not finished, TOTALS_CHECK=0, or a source without totals)."""
    get_job(services, job_id)
    return totals_detail(services.store.totals_checks.get(job_id))


@router.get(
    "/{job_id}/api-usage",
    response_model=JobUsage,
    summary="The job's API calls with their usage figures, and its accounts table",
    responses=job_actions.NOT_FOUND,
)
def job_usage(job_id: str, services: ServicesDep) -> JobUsage:
    """Per call: time, endpoint, status and the usage figures the platform reported
    (percentages as recorded; null where not reported). Per account: calls, highest usage,
    longest time to regain access and the access tier. With the 75 % / 95 % limits."""
    get_job(services, job_id)
    points = [usage_point(call) for call in services.store.get_api_calls(job_id)]
    return JobUsage(
        job_id=job_id, calls=len(points), points=points[-MAX_POINTS:], accounts=accounts_table(points)
    )


@router.get(
    "/{job_id}/log.txt",
    response_class=PlainTextResponse,
    summary="Download the job's whole log as a text file",
    responses=job_actions.NOT_FOUND,
)
def job_log_file(job_id: str, services: ServicesDep) -> PlainTextResponse:
    """Every line of every attempt, oldest first, as an attachment named after the job."""
    get_job(services, job_id)
    text = "".join(log_text(line) + "\n" for line in services.store.get_logs(job_id))
    filename = _UNSAFE_FILENAME.sub("_", job_id)
    return PlainTextResponse(text, headers={"Content-Disposition": f'attachment; filename="{filename}.log"'})


def log_text(line: LogLine) -> str:
    return f"{iso_z(line.ts)} {line.level} [attempt {line.attempt}] {line.message}"


@router.get(
    "/{job_id}/download",
    summary="Download a job's CSV or XLSX file (as GET /reports/{job_id}/download)",
    response_class=FileResponse,
    responses={k: v for k, v in FILE_RESPONSES.items() if k != 401},
)
def dashboard_download(job_id: str, services: ServicesDep) -> FileResponse:
    """Behind the dashboard login, so the job page's link works when API_KEYS is set."""
    return report_file(services, job_id)


@router.post(
    "/{job_id}/cancel",
    response_model=CancelResponse,
    summary="Cancel a queued or running job (as POST /reports/{job_id}/cancel)",
    dependencies=[Depends(require_dashboard_header)],
    responses={**_HEADER_MISSING, **job_actions.CANCEL_ANSWERS},
)
def dashboard_cancel(job_id: str, services: ServicesDep) -> CancelResponse:
    """A queued job is cancelled at once, a running one at its next check. Needs the
    X-Dashboard header (any value)."""
    return job_actions.cancel(services, job_id)


@router.post(
    "/{job_id}/retry",
    response_model=RetryResponse,
    summary="Run a failed or cancelled job again (as POST /reports/{job_id}/retry)",
    dependencies=[Depends(require_dashboard_header)],
    responses={**_HEADER_MISSING, **job_actions.RETRY_ANSWERS},
)
def dashboard_retry(
    job_id: str,
    services: ServicesDep,
    executor: ExecutorDep,
    body: Annotated[RetryRequest | None, Body()] = None,
) -> RetryResponse:
    """A FAILED or CANCELLED job runs again as its next attempt. When its stored access token
    was deleted, send a new one as {"access_token": ...}; otherwise 422. Needs the X-Dashboard
    header (any value)."""
    return job_actions.retry(services, executor, job_id, body)
