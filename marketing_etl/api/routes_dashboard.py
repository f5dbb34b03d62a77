"""/api/dashboard*: the dashboard's data (jobs, counts, API usage) and a job's log.

The jobs list is paged by the store; nothing ships logs or whole collections. The overview's
aggregates, the platform tabs, the job detail page and the live log live in the
routes_dashboard_* modules, mounted here so that they share the prefix and the login.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from marketing_etl.api import routes_dashboard_jobs, routes_dashboard_stats, routes_dashboard_stream
from marketing_etl.api.auth import require_dashboard_user
from marketing_etl.api.deps import ContextDep, ServicesDep
from marketing_etl.api.schemas import (
    DashboardResponse,
    LogsResponse,
    ServerInfo,
    TimePoint,
    iso_z,
    job_report,
    task_log_entry,
)
from marketing_etl.dashboard.stats import TimeRange
from marketing_etl.models import ApiCall, JobFilter, JobStatus, LogLine, TaskType, utcnow
from marketing_etl.sandbox.config import MOUNT_PATH as SANDBOX_PATH
from marketing_etl.storage.base import Store

router = APIRouter(
    prefix="/api/dashboard",
    tags=["dashboard"],
    dependencies=[Depends(require_dashboard_user)],
    responses={401: {"description": "Missing or wrong dashboard login (HTTP Basic)"}},
)

SORTABLE = ("created_at", "started_at", "finished_at", "status", "task_type", "user_email", "job_id")
TIMESERIES_HOURS = 24
# Far past any real job list; a larger page would overflow the store's OFFSET (a 500).
MAX_PAGE = 1_000_000
HOUR = timedelta(hours=1)
SANDBOX_SHEETS_PATH = f"{SANDBOX_PATH}/sheets"


@router.get(
    "",
    response_model=DashboardResponse,
    summary="Dashboard data: jobs, counts and API usage",
    description=(
        "A page of jobs matching the filters (newest first by default), counts by status and by "
        "task type over the whole time range (the filters other than time_range do not apply "
        "to the counts), API calls per endpoint over the time range, and per hour for the last "
        "24 hours. `task_logs`, `api_total_counts` and `api_timeseries` keep the original "
        "dashboard's shapes."
    ),
)
def dashboard(
    services: ServicesDep,
    status_: Annotated[JobStatus | None, Query(alias="status")] = None,
    task_type: TaskType | None = None,
    template_name: str | None = None,
    user_email: Annotated[str | None, Query(max_length=320, description="only this user's jobs")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="substring of job_id, user email or sheet name")
    ] = None,
    time_range: Annotated[TimeRange, Query(description="jobs created in this window")] = TimeRange.WEEK,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"1 to {MAX_PAGE:,}")] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    sort: Annotated[
        str,
        Query(
            pattern=rf"^-?({'|'.join(SORTABLE)})$",
            description="a field name, prefixed with - for descending",
        ),
    ] = "-created_at",
) -> DashboardResponse:
    store = services.store
    now = utcnow()
    since = time_range.since(now)
    window = JobFilter(since=since)
    flt = JobFilter(
        status=status_,
        task_type=task_type,
        template_name=template_name,
        user_email=user_email,
        q=q or None,
        since=since,
    )
    jobs, total = store.list_jobs(flt, (page - 1) * page_size, page_size, sort)
    api_totals, api_series = _api_usage(store, since, now)
    return DashboardResponse(
        time_range=time_range.value,
        counts_by_status=_counts(store, window, "status", [s.value for s in JobStatus]),
        counts_by_task_type=_counts(store, window, "task_type", [t.value for t in TaskType]),
        jobs=[job_report(job) for job in jobs],
        total=total,
        page=page,
        page_size=page_size,
        task_logs=[task_log_entry(job) for job in jobs],
        api_total_counts=api_totals,
        api_timeseries=api_series,
    )


def _counts(store: Store, flt: JobFilter, field: str, every: list[str]) -> dict[str, int]:
    # Zeros for absent values keep the dashboard's charts and cards stable.
    counts = dict.fromkeys(every, 0)
    for key, count in store.count_jobs_by(flt, field).items():
        counts[str(key)] = count
    return counts


def _api_usage(
    store: Store, since: datetime | None, now: datetime
) -> tuple[dict[str, int], dict[str, list[TimePoint]]]:
    first_hour = now.replace(minute=0, second=0, microsecond=0) - (TIMESERIES_HOURS - 1) * HOUR
    # One query covers both the totals' window and the last 24 hours.
    calls = store.api_calls_since(min(since, first_hour) if since else None)
    totals = Counter(call.endpoint for call in calls if since is None or call.ts >= since)
    return dict(totals), _hourly(calls, first_hour)


def _hourly(calls: list[ApiCall], first_hour: datetime) -> dict[str, list[TimePoint]]:
    per_endpoint: defaultdict[str, Counter[int]] = defaultdict(Counter)
    for call in calls:
        if call.ts >= first_hour:
            per_endpoint[call.endpoint][(call.ts - first_hour) // HOUR] += 1
    return {
        endpoint: [
            TimePoint(timestamp=first_hour + hour * HOUR, count=counts[hour])
            for hour in range(TIMESERIES_HOURS)
        ]
        for endpoint, counts in sorted(per_endpoint.items())
    }


for _sub in (routes_dashboard_stats, routes_dashboard_jobs, routes_dashboard_stream):
    router.include_router(_sub.router)


@router.get(
    "/logs/{job_id}",
    response_model=LogsResponse,
    summary="A job's full log",
    description=(
        "Every log line of every attempt, oldest first, one per line: "
        "`2026-11-26T03:51:02Z INFO [attempt 1] message`. Access tokens appear as ***."
    ),
    responses={404: {"description": "Log not found: no job has this job_id"}},
)
def job_logs(job_id: str, services: ServicesDep) -> LogsResponse:
    if services.store.get_job(job_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Log not found. No job with job_id '{job_id}'.")
    lines = services.store.get_logs(job_id)
    return LogsResponse(job_id=job_id, logs="\n".join(_format_line(line) for line in lines))


@router.get(
    "/server",
    response_model=ServerInfo,
    summary="What kind of server this is",
    description="Whether it runs in sandbox mode (simulated platforms), for the dashboard's banner.",
)
def server_info(context: ContextDep) -> ServerInfo:
    if not context.settings.sandbox:
        return ServerInfo(sandbox=False)
    return ServerInfo(sandbox=True, sandbox_sheets_url=SANDBOX_SHEETS_PATH)


def _format_line(line: LogLine) -> str:
    return f"{iso_z(line.ts)} {line.level} [attempt {line.attempt}] {line.message}"
