"""/api/dashboard/{summary,facebook,tiktok}: the overview's cards and charts and the platform tabs.

Each answer is an aggregate over the chosen time range; none ships jobs, logs or API calls.
Mounted under routes_dashboard's router, which adds the prefix and the dashboard login.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from marketing_etl.api.deps import ServicesDep
from marketing_etl.api.schemas import UtcTime
from marketing_etl.dashboard.stats import JobTally, Timeline, TimeRange, iter_jobs, tally_jobs, timeline, top
from marketing_etl.dashboard.usage import load_bucket, usage_point
from marketing_etl.models import JobStatus, Platform, TaskType, utcnow

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


class TikTokResponse(BaseModel):
    time_range: str
    jobs: JobCards
    api_totals: dict[str, int] = Field(description="calls per endpoint in the window")
    api_timeline: CallTimeline


def _cards(tally: JobTally, task_types: list[TaskType]) -> JobCards:
    return JobCards(
        total=tally.total,
        succeeded=tally.succeeded,
        success_rate_pct=tally.success_rate_pct,
        distinct_users=len(tally.by_user),
        avg_duration_s=tally.avg_duration_s,
        rows_written=tally.rows_written,
        counts_by_status={s.value: tally.by_status[s.value] for s in JobStatus},
        counts_by_task_type={t.value: tally.by_task_type[t.value] for t in task_types},
        counts_by_template=dict(top(tally.by_template, 50)),
    )


def _users(counter: Counter[str]) -> list[UserCount]:
    return [UserCount(user_email=email, count=count) for email, count in top(counter, TOP_USERS)]


def _timeline(line: Timeline) -> CallTimeline:
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
    tally = tally_jobs(iter_jobs(services.store, since))
    calls = services.store.api_calls_since(since)
    return SummaryResponse(
        time_range=time_range.value,
        jobs=_cards(tally, list(TaskType)),
        top_users=_users(tally.by_user),
        top_failed_users=_users(tally.failed_by_user),
        api_calls=_timeline(timeline(calls, since, now, time_range.bucket)),
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
    tally = tally_jobs(iter_jobs(services.store, since), Platform.FACEBOOK)
    calls = [c for c in services.store.api_calls_since(since) if c.platform == Platform.FACEBOOK.value]
    points = [usage_point(call) for call in calls]
    buckets = Counter(load_bucket(point.load_pct) for point in points)
    regains = [p.regain_min for p in points if p.regain_min is not None]
    fb_types = [t for t in TaskType if t.platform is Platform.FACEBOOK]
    return FacebookResponse(
        time_range=time_range.value,
        jobs=_cards(tally, fb_types),
        api_calls=len(calls),
        usage_buckets=UsageBuckets(**{name: buckets[name] for name in UsageBuckets.model_fields}),
        total_wait_s=round(sum(p.wait_s or 0.0 for p in points), 1),
        max_regain_min=max(regains, default=None),
        api_timeline=_timeline(timeline(calls, since, now, time_range.bucket)),
    )


@router.get(
    "/tiktok",
    response_model=TikTokResponse,
    summary="TikTok tab: product / creative jobs, API totals and timeline per endpoint",
)
def tiktok(services: ServicesDep, time_range: RangeQuery = TimeRange.WEEK) -> TikTokResponse:
    """TikTok GMV Max jobs (product / creative, statuses, cards), and TikTok API calls: totals
    per endpoint and a timeline per endpoint."""
    now, since = _window(time_range)
    tally = tally_jobs(iter_jobs(services.store, since), Platform.TIKTOK)
    calls = [c for c in services.store.api_calls_since(since) if c.platform == Platform.TIKTOK.value]
    tt_types = [t for t in TaskType if t.platform is Platform.TIKTOK]
    return TikTokResponse(
        time_range=time_range.value,
        jobs=_cards(tally, tt_types),
        api_totals=dict(Counter(call.endpoint for call in calls).most_common()),
        api_timeline=_timeline(timeline(calls, since, now, time_range.bucket)),
    )
