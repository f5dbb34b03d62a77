"""Response bodies of the HTTP API, and how a stored Job becomes one.

No schema here has a field for the access token: what is not in the model cannot leak.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer, SecretStr, field_validator

from marketing_etl.api.totals_schemas import TotalsCheckSummary
from marketing_etl.models import Job, JobStatus
from marketing_etl.request_limits import check_limits

SHEET_URL = "https://docs.google.com/spreadsheets/d/{id}/edit"


def iso_z(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z suffix, to the second (the original emitted '+00:00Z')."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


UtcTime = Annotated[datetime, PlainSerializer(iso_z, return_type=str)]


class CreateJobResponse(BaseModel):
    status: str = Field(description="'queued' for a new job; the existing job's status otherwise")
    job_id: str
    message: str


class AccountOut(BaseModel):
    id: str
    name: str


class JobReport(BaseModel):
    job_id: str
    status: JobStatus
    progress: int = Field(description="0-100")
    message: str
    attempt: int
    task_type: str
    task_id: str | None
    template_name: str | None
    accounts: list[AccountOut]
    advertiser_id: str | None
    advertiser_name: str | None
    store_id: str | None
    store_name: str | None
    start_date: date
    end_date: date
    user_email: str
    spreadsheet_id: str | None
    sheet_name: str
    destination: str
    selected_fields: list[str]
    is_overwrite: bool
    refresh_days: int = Field(description="days before start_date whose rows are re-fetched and replaced")
    connection_id: str | None = Field(None, description="the saved connection whose token the job uses")
    target_currency: str | None = Field(None, description="ISO 4217 code money is converted into; null: none")
    fx_rates: dict[str, str] = Field(default_factory=dict, description='pinned rates: {"USD/VND": "25400"}')
    created_at: UtcTime
    started_at: UtcTime | None
    finished_at: UtcTime | None
    duration_s: float | None
    rows_written: int
    destination_url: str | None = Field(description="the sheet (or file) the report is written to")
    cancel_requested: bool
    totals_check: TotalsCheckSummary | None = Field(
        None,
        description="GET /reports/{job_id} only: the rows' sums against the platform's totals; "
        "null before the job finished, with TOTALS_CHECK=0, or for a source without totals",
    )


def job_report(job: Job) -> JobReport:
    spec = job.spec
    return JobReport(
        job_id=job.job_id,
        status=job.status,
        progress=job.progress,
        message=job.message,
        attempt=job.attempt,
        task_type=spec.task_type,
        task_id=spec.task_id,
        template_name=spec.template_name,
        accounts=[AccountOut(id=a.id, name=a.name) for a in spec.accounts],
        advertiser_id=spec.advertiser_id,
        advertiser_name=spec.advertiser_name,
        store_id=spec.store_id,
        store_name=spec.store_name,
        start_date=spec.start_date,
        end_date=spec.end_date,
        user_email=str(spec.user_email),
        spreadsheet_id=spec.spreadsheet_id,
        sheet_name=spec.sheet_name,
        destination=spec.destination,
        selected_fields=list(spec.selected_fields),
        is_overwrite=spec.is_overwrite,
        refresh_days=spec.refresh_days,
        connection_id=spec.connection_id,
        target_currency=spec.target_currency,
        fx_rates={pair: str(rate) for pair, rate in spec.fx_rates.items()},
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        duration_s=job.duration_s,
        rows_written=job.rows_written,
        destination_url=_destination_url(job),
        cancel_requested=job.cancel_requested,
    )


def _destination_url(job: Job) -> str | None:
    # Before the writer reports its URL, the sheet's own URL is already known from the request.
    if job.destination_url:
        return job.destination_url
    if job.spec.destination == "sheets" and job.spec.spreadsheet_id:
        return SHEET_URL.format(id=job.spec.spreadsheet_id)
    return None


class CancelResponse(BaseModel):
    status: str = Field("cancel_requested", description="always 'cancel_requested' (original shape)")
    job_id: str
    job_status: JobStatus = Field(
        description="CANCELLED if the job had not started; RUNNING until it reaches its next check"
    )
    message: str


class RetryRequest(BaseModel):
    access_token: SecretStr | None = Field(
        None, description="a new platform token; needed only when the stored one was deleted"
    )

    @field_validator("access_token", mode="before")
    @classmethod
    def _within_request_limits(cls, value: object) -> object:
        check_limits("access_token", value)
        return value


class RetryResponse(BaseModel):
    status: str = Field("queued", description="always 'queued'")
    job_id: str
    attempt: int
    message: str


class TaskLogEntry(BaseModel):
    """A job in the original dashboard's `task_logs` document shape."""

    job_id: str
    task_type: str
    user_email: str
    status: JobStatus
    start_time: UtcTime = Field(description="when it started running; its creation time while queued")
    end_time: UtcTime | None
    duration_seconds: float | None
    message: str
    template_name: str | None
    accounts: list[AccountOut]
    advertiser_id: str | None
    store_id: str | None


def task_log_entry(job: Job) -> TaskLogEntry:
    spec = job.spec
    return TaskLogEntry(
        job_id=job.job_id,
        task_type=spec.task_type,
        user_email=str(spec.user_email),
        status=job.status,
        start_time=job.started_at or job.created_at,
        end_time=job.finished_at,
        duration_seconds=job.duration_s,
        message=job.message,
        template_name=spec.template_name,
        accounts=[AccountOut(id=a.id, name=a.name) for a in spec.accounts],
        advertiser_id=spec.advertiser_id,
        store_id=spec.store_id,
    )


class TimePoint(BaseModel):
    timestamp: UtcTime = Field(description="start of the hour")
    count: int


class DashboardResponse(BaseModel):
    time_range: str
    counts_by_status: dict[str, int] = Field(description="every status, over the time range")
    counts_by_task_type: dict[str, int] = Field(description="every task type, over the time range")
    jobs: list[JobReport] = Field(description="this page of jobs matching the filters")
    total: int = Field(
        description="jobs matching the filters, over all pages, counted up to 10,000: when more "
        "match, 10000 with total_capped true"
    )
    total_capped: bool = Field(
        default=False, description="more jobs match than `total` says (show it as 10,000+)"
    )
    page: int = Field(description="the page asked for (1 when a prev_cursor led back to the start)")
    page_size: int
    next_cursor: str | None = Field(
        default=None, description="send as `cursor` for the next page; null on the last page"
    )
    prev_cursor: str | None = Field(
        default=None, description="send as `cursor` for the previous page; null on the first page"
    )
    task_logs: list[TaskLogEntry] = Field(description="this page again, in the original's shape")
    api_total_counts: dict[str, int] = Field(description="API calls per endpoint over the time range")
    api_timeseries: dict[str, list[TimePoint]] = Field(
        description="API calls per endpoint per hour over the last 24 hours, oldest first"
    )


class LogsResponse(BaseModel):
    job_id: str
    logs: str


class QueueHealth(BaseModel):
    depth: int = Field(description="jobs waiting for a worker (QUEUED)")
    oldest_queued_age_s: float = Field(description="how long the longest-waiting job has waited; 0 when none")
    stalled: bool = Field(description="true when that is longer than QUEUE_STALLED_AFTER_S")
    message: str


class HealthResponse(BaseModel):
    status: str
    store: str
    executor: str
    queue: QueueHealth | None = Field(None, description="null when the store cannot be reached")


class ServerInfo(BaseModel):
    sandbox: bool = Field(description="true when the platforms are simulated (SANDBOX=1): demo data only")
    sandbox_sheets_url: str | None = Field(
        None, description="the sandbox's spreadsheet viewer, when sandbox is true"
    )
    warnings: list[str] = Field(
        default_factory=list,
        description="what the operator must change before a platform stops working (a banner)",
    )
