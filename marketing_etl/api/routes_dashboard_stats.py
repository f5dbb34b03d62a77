"""/api/dashboard/{summary,facebook,tiktok}: the overview's cards and charts and the platform tabs.

Each answer is an aggregate over the chosen time range; none ships jobs, logs or API calls.
Mounted under routes_dashboard's router, which adds the prefix and the dashboard login.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from marketing_etl.api.deps import ServicesDep
from marketing_etl.api.schemas import UtcTime
from marketing_etl.contracts.rollups import CallCounters
from marketing_etl.contracts.store import Store
from marketing_etl.dashboard.job_figures import JobFigures, job_figures
from marketing_etl.dashboard.stats import TimeRange, timeline
from marketing_etl.models import utcnow
from marketing_etl.sources.tiktok.quota import ReportQuota

router = APIRouter()

TOP_USERS = 10
RangeQuery = Annotated[TimeRange, Query(description="jobs created / calls made in this window")]


class UserCount(BaseModel):
    user_email: str
    count: int


class Series(BaseModel):
    platform: str
    endpoint: str
    counts: list[int] = Field(description="calls per bucket, aligned with `buckets`")
    total: int


class CallTimeline(BaseModel):
    bucket_s: int = Field(description="3600 (hourly) up to 7d, 86400 (daily) beyond")
    buckets: list[UtcTime] = Field(description="start of each bucket, oldest first")
    series: list[Series]


class JobCards(BaseModel):
    total: int
    succeeded: int
    success_rate_pct: float | None = Field(description="of finished jobs; null when none finished")
    distinct_users: int
    avg_duration_s: float | None = Field(description="over finished jobs")
    rows_written: int
    counts_by_status: dict[str, int]
    counts_by_task_type: dict[str, int]
    counts_by_template: dict[str, int]


class SummaryResponse(BaseModel):
    time_range: str
    jobs: JobCards
    top_users: list[UserCount] = Field(description="most jobs in the window, at most 10")
    top_failed_users: list[UserCount] = Field(description="most FAILED jobs in the window, at most 10")
    api_calls: CallTimeline
    totals_mismatches: int = Field(
        0, description="jobs whose totals check, made in the window, found a difference (TOTALS_CHECK)"
    )


class UsageBuckets(BaseModel):
    safe: int = Field(description="highest usage figure below 75 %")
    warning: int = Field(description="75-95 %")
    critical: int = Field(description="above 95 %")
    unknown: int = Field(description="the call reported no usage")


class FacebookResponse(BaseModel):
    time_range: str
    jobs: JobCards
    api_calls: int
    usage_buckets: UsageBuckets
    total_wait_s: float = Field(description="seconds spent waiting for rate limits")
    max_regain_min: float | None = Field(description="longest 'time to regain access' reported")
    api_timeline: CallTimeline


class DailyQuota(BaseModel):
    used: int = Field(description="GMV Max report calls made today (UTC) by every job")
    limit: int = Field(description="TIKTOK_MAX_CALLS_PER_DAY")
    resets_at: UtcTime = Field(description="next 00:00 UTC, when TikTok's daily quota resets")


class TikTokResponse(BaseModel):
    time_range: str
    jobs: JobCards
    api_totals: dict[str, int] = Field(description="calls per endpoint in the window")
    api_timeline: CallTimeline
    report_quota: DailyQuota


def _cards(figures: JobFigures, task_types: list[str]) -> JobCards:
    return JobCards(
        total=figures.total,
        succeeded=figures.succeeded,
        success_rate_pct=figures.success_rate_pct,
        distinct_users=figures.users.distinct,
        avg_duration_s=figures.avg_duration_s,
        rows_written=figures.rows_written,
        counts_by_status=figures.counts_by_status(),
        counts_by_task_type=figures.counts_by_task_type(task_types),
        counts_by_template=dict(figures.templates),
    )


def _users(ranked: list[tuple[str, int]]) -> list[UserCount]:
    return [UserCount(user_email=email, count=count) for email, count in ranked]


def _call_timeline(
    store: Store, time_range: TimeRange, since: datetime | None, now: datetime, platform: str | None = None
) -> CallTimeline:
    """Calls per platform and endpoint per bucket, read from the store's rollups."""
    line = timeline(store.rollups, since, now, time_range.bucket, platform)
    return CallTimeline(
        bucket_s=line.bucket_s,
        buckets=line.starts,
        series=[
            Series(platform=platform, endpoint=endpoint, counts=counts, total=sum(counts))
            for (platform, endpoint), counts in line.series.items()
        ],
    )


def _window(time_range: TimeRange) -> tuple[datetime, datetime | None]:
    now = utcnow()
    return now, time_range.since(now)


def _bucket_s(time_range: TimeRange) -> int:
    return int(time_range.bucket.total_seconds())


@router.get(
    "/summary",
    response_model=SummaryResponse,
    summary="Overview: cards, status and task-type mix, top users, API calls over time",
)
def summary(services: ServicesDep, time_range: RangeQuery = TimeRange.WEEK) -> SummaryResponse:
    """Cards (total, succeeded, success rate, distinct users, average duration, rows written),
    jobs by status, task type and template, the top users by jobs and by failed jobs, and API
    calls per platform and endpoint per hour (per day beyond 7 days)."""
    now, since = _window(time_range)
    figures = job_figures(services.store, since, None, TOP_USERS)
    return SummaryResponse(
        time_range=time_range.value,
        jobs=_cards(figures, services.plugins.sources.task_types()),
        top_users=_users(figures.users.top),
        top_failed_users=_users(figures.users.top_failed),
        api_calls=_call_timeline(services.store, time_range, since, now),
        totals_mismatches=services.store.totals_checks.count_mismatches(since, None),
    )


@router.get(
    "/facebook",
    response_model=FacebookResponse,
    summary="Facebook tab: jobs, calls by usage load (Safe / Warning / Critical), rate-limit waits",
    description=(
        "Each Facebook API call is put in a bucket by its highest reported usage figure (app, "
        "ad account, business use case), which the source records as a percentage: Safe below "
        "75 %, Warning 75-95 %, Critical above 95 %."
    ),
)
def facebook(services: ServicesDep, time_range: RangeQuery = TimeRange.WEEK) -> FacebookResponse:
    now, since = _window(time_range)
    platform = "facebook"
    fb_types = services.plugins.sources.task_types_of(platform)
    figures = job_figures(services.store, since, fb_types, 0)
    calls = services.store.rollups.by_platform(_bucket_s(time_range), since).get(platform, CallCounters())
    return FacebookResponse(
        time_range=time_range.value,
        jobs=_cards(figures, fb_types),
        api_calls=calls.calls,
        usage_buckets=UsageBuckets(
            safe=calls.safe, warning=calls.warning, critical=calls.critical, unknown=calls.unknown
        ),
        total_wait_s=round(calls.wait_s, 1),
        max_regain_min=calls.max_regain_min,
        api_timeline=_call_timeline(services.store, time_range, since, now, platform),
    )


@router.get(
    "/tiktok",
    response_model=TikTokResponse,
    summary="TikTok tab: product / creative jobs, API totals and timeline per endpoint",
)
def tiktok(services: ServicesDep, time_range: RangeQuery = TimeRange.WEEK) -> TikTokResponse:
    """TikTok GMV Max jobs (product / creative, statuses, cards), and TikTok API calls: totals
    per endpoint, a timeline per endpoint, and today's report calls against the daily quota."""
    now, since = _window(time_range)
    platform = "tiktok"
    tt_types = services.plugins.sources.task_types_of(platform)
    figures = job_figures(services.store, since, tt_types, 0)
    per_endpoint = services.store.rollups.by_endpoint(_bucket_s(time_range), since, platform)
    # Busiest first, ties by name, so the order does not reshuffle between refreshes.
    busiest = sorted(per_endpoint.items(), key=lambda item: (-item[1].calls, item[0]))
    quota = ReportQuota(services.settings).use()
    return TikTokResponse(
        time_range=time_range.value,
        jobs=_cards(figures, tt_types),
        api_totals={endpoint: counters.calls for (_, endpoint), counters in busiest},
        api_timeline=_call_timeline(services.store, time_range, since, now, platform),
        report_quota=DailyQuota(used=quota.used, limit=quota.limit, resets_at=quota.resets_at),
    )
