"""/api/dashboard*: the dashboard's data (jobs, counts, API usage) and a job's log.

The jobs list is paged by the store from a position (api/job_list.py); nothing ships logs or
whole collections. The overview's
aggregates, the platform tabs, the job detail page and the live log live in the
routes_dashboard_* modules, mounted here so that they share the prefix and the login.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from marketing_etl.api import (
    routes_dashboard_jobs,
    routes_dashboard_notifications,
    routes_dashboard_schedules,
    routes_dashboard_stats,
    routes_dashboard_stream,
    routes_dashboard_templates,
)
from marketing_etl.api.auth import require_dashboard_user
from marketing_etl.api.deps import ContextDep, ServicesDep
from marketing_etl.api.job_list import jobs_page
from marketing_etl.api.schemas import (
    DashboardResponse,
    LogsResponse,
    ServerInfo,
    TimePoint,
    iso_z,
    job_report,
    task_log_entry,
)
from marketing_etl.contracts.rollups import DAY_S, HOUR_S, CallSeries
from marketing_etl.contracts.store import Store
from marketing_etl.dashboard.job_figures import counts
from marketing_etl.dashboard.stats import TimeRange
from marketing_etl.models import JOB_SORT_PATTERN, JobFilter, JobSort, JobStatus, LogLine, utcnow
from marketing_etl.sandbox.config import MOUNT_PATH as SANDBOX_PATH
from marketing_etl.sources.facebook.versions import version_warning

router = APIRouter(
    prefix="/api/dashboard",
    tags=["dashboard"],
    dependencies=[Depends(require_dashboard_user)],
    responses={401: {"description": "Missing or wrong dashboard login (HTTP Basic)"}},
)

TIMESERIES_HOURS = 24
# Far past any real job list; a larger page would overflow the store's OFFSET (a 500).
MAX_PAGE = 1_000_000
HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)
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
        "dashboard's shapes.\n\nPaging: send the answer's `next_cursor` (or `prev_cursor`) as "
        "`cursor` for the next (previous) page: the fast path, every page costs the same. `page` "
        "still works (for the original dashboard's clients) but skips rows, slower the further "
        "it goes. `total` is counted up to 10,000 jobs; beyond, it is 10000 with `total_capped`."
    ),
)
def dashboard(
    services: ServicesDep,
    status_: Annotated[JobStatus | None, Query(alias="status")] = None,
    task_type: str | None = None,
    template_name: str | None = None,
    user_email: Annotated[str | None, Query(max_length=320, description="only this user's jobs")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="substring of job_id, user email or sheet name")
    ] = None,
    time_range: Annotated[TimeRange, Query(description="jobs created in this window")] = TimeRange.WEEK,
    page: Annotated[
        int, Query(ge=1, le=MAX_PAGE, description=f"1 to {MAX_PAGE:,}; with a cursor, only echoed")
    ] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[
        str | None,
        Query(max_length=2048, description="next_cursor / prev_cursor of an answer with the same sort"),
    ] = None,
    sort: Annotated[
        str,
        Query(
            pattern=JOB_SORT_PATTERN,
            description="a field name, prefixed with - for descending",
        ),
    ] = "-created_at",
) -> DashboardResponse:
    store = services.store
    now = utcnow()
    since = time_range.since(now)
    flt = JobFilter(
        status=status_,
        task_type=task_type,
        template_name=template_name,
        user_email=user_email,
        q=q or None,
        since=since,
    )
    listed = jobs_page(store, flt, JobSort.parse(sort), page, page_size, cursor or None)
    # The counts cover the time range, not the other filters: one aggregate query.
    window = store.job_stats.by_status_and_type(since, counts_only=True)
    api_totals, api_series = _api_usage(store, since, now)
    return DashboardResponse(
        time_range=time_range.value,
        counts_by_status=counts(window, 0, [s.value for s in JobStatus]),
        counts_by_task_type=counts(window, 1, services.plugins.sources.task_types()),
        jobs=[job_report(job) for job in listed.jobs],
        total=listed.total,
        total_capped=listed.total_capped,
        page=listed.page,
        page_size=page_size,
        next_cursor=listed.next_cursor,
        prev_cursor=listed.prev_cursor,
        task_logs=[task_log_entry(job) for job in listed.jobs],
        api_total_counts=api_totals,
        api_timeseries=api_series,
    )


def _api_usage(
    store: Store, since: datetime | None, now: datetime
) -> tuple[dict[str, int], dict[str, list[TimePoint]]]:
    """Calls per endpoint (all platforms) over the window, and per hour over the last 24 hours,
    from the store's rollups: hourly ones up to a 7-day window, daily ones beyond, as the
    summary's timeline; the window covers the bucket containing its start (contracts/rollups.py)."""
    hourly = since is not None and now - since <= WEEK
    totals: Counter[str] = Counter()
    for (_, endpoint), counters in store.rollups.by_endpoint(HOUR_S if hourly else DAY_S, since).items():
        totals[endpoint] += counters.calls
    first_hour = now.replace(minute=0, second=0, microsecond=0) - (TIMESERIES_HOURS - 1) * HOUR
    return dict(totals), _hourly(store.rollups.timeline(HOUR_S, first_hour, TIMESERIES_HOURS), first_hour)


def _hourly(series: CallSeries, first_hour: datetime) -> dict[str, list[TimePoint]]:
    per_endpoint: dict[str, list[int]] = {}
    for (_, endpoint), hourly in series.items():  # an endpoint's calls on every platform, together
        merged = per_endpoint.setdefault(endpoint, [0] * TIMESERIES_HOURS)
        for hour, calls in enumerate(hourly):
            merged[hour] += calls
    return {
        endpoint: [
            TimePoint(timestamp=first_hour + hour * HOUR, count=calls) for hour, calls in enumerate(merged)
        ]
        for endpoint, merged in sorted(per_endpoint.items())
    }


for _sub in (
    routes_dashboard_stats,
    routes_dashboard_jobs,
    routes_dashboard_notifications,
    routes_dashboard_stream,
    routes_dashboard_templates,
    routes_dashboard_schedules,
):
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
    description=(
        "Whether it runs in sandbox mode (simulated platforms), and what the operator must change "
        "before a platform stops working (such as a retiring FACEBOOK_API_VERSION), for the "
        "dashboard's banners."
    ),
)
def server_info(context: ContextDep) -> ServerInfo:
    settings = context.settings
    warning = version_warning(settings.facebook_api_version, utcnow().date())
    warnings = [warning] if warning else []
    if not settings.sandbox:
        return ServerInfo(sandbox=False, warnings=warnings)
    return ServerInfo(sandbox=True, sandbox_sheets_url=SANDBOX_SHEETS_PATH, warnings=warnings)


def _format_line(line: LogLine) -> str:
    return f"{iso_z(line.ts)} {line.level} [attempt {line.attempt}] {line.message}"
