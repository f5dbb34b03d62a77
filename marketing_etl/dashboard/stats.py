"""Aggregates behind the dashboard's overview and platform tabs.

The Store protocol offers paging and group counts but no sums or averages, so averages and
totals come from one streaming pass over the window's jobs, a page at a time (ascending by
creation, so jobs created meanwhile land after the pages already read). Only the aggregate
leaves the server.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from marketing_etl.models import ApiCall, Job, JobFilter, JobStatus, Platform
from marketing_etl.storage.base import Store

PAGE = 500
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# How far back "all" draws its timeline; totals still cover everything.
ALL_TIMELINE_SPAN = timedelta(days=365)


class TimeRange(StrEnum):
    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"
    ALL = "all"

    def since(self, now: datetime) -> datetime | None:
        spans = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
        span = spans.get(self.value)
        return now - span if span else None

    @property
    def bucket(self) -> timedelta:
        """Hourly points while that stays readable (up to a week), daily beyond."""
        return HOUR if self in (TimeRange.DAY, TimeRange.WEEK) else DAY


@dataclass
class JobTally:
    total: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    by_task_type: Counter[str] = field(default_factory=Counter)
    by_template: Counter[str] = field(default_factory=Counter)
    by_user: Counter[str] = field(default_factory=Counter)
    failed_by_user: Counter[str] = field(default_factory=Counter)
    duration_sum_s: float = 0.0
    finished_with_duration: int = 0
    rows_written: int = 0

    def add(self, job: Job) -> None:
        spec = job.spec
        email = str(spec.user_email)
        self.total += 1
        self.by_status[job.status.value] += 1
        self.by_task_type[spec.task_type.value] += 1
        if spec.template_name:
            self.by_template[spec.template_name] += 1
        self.by_user[email] += 1
        if job.status is JobStatus.FAILED:
            self.failed_by_user[email] += 1
        # Running jobs' durations are still growing: the average covers finished jobs only.
        if job.status.finished and job.duration_s is not None:
            self.duration_sum_s += job.duration_s
            self.finished_with_duration += 1
        self.rows_written += job.rows_written

    @property
    def succeeded(self) -> int:
        return self.by_status[JobStatus.SUCCESS.value]

    @property
    def success_rate_pct(self) -> float | None:
        finished = sum(self.by_status[s.value] for s in JobStatus if s.finished)
        return round(100 * self.succeeded / finished, 1) if finished else None

    @property
    def avg_duration_s(self) -> float | None:
        if not self.finished_with_duration:
            return None
        return round(self.duration_sum_s / self.finished_with_duration, 2)


def iter_jobs(store: Store, since: datetime | None) -> Iterator[Job]:
    flt = JobFilter(since=since)
    offset = 0
    while True:
        page, _ = store.list_jobs(flt, offset, PAGE, "created_at")
        yield from page
        if len(page) < PAGE:
            return
        offset += PAGE


def tally_jobs(jobs: Iterable[Job], platform: Platform | None = None) -> JobTally:
    tally = JobTally()
    for job in jobs:
        if platform is None or job.spec.platform is platform:
            tally.add(job)
    return tally


def top(counter: Counter[str], limit: int) -> list[tuple[str, int]]:
    # Ties go alphabetically so the list does not reshuffle between refreshes.
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:limit]


def _floor(moment: datetime, bucket: timedelta) -> datetime:
    floored = moment.replace(minute=0, second=0, microsecond=0)
    return floored.replace(hour=0) if bucket >= DAY else floored


@dataclass(frozen=True)
class Timeline:
    bucket_s: int
    starts: list[datetime]
    # (platform, endpoint) -> calls per bucket, aligned with `starts`
    series: dict[tuple[str, str], list[int]]


def timeline(
    calls: Iterable[ApiCall], since: datetime | None, now: datetime, bucket: timedelta
) -> Timeline:
    """API calls per platform and endpoint per bucket, from the window's start (or the first
    call, for an open window) to now, with zeros where nothing was called."""
    selected = list(calls)
    earliest = since or min((c.ts for c in selected), default=now)
    first = _floor(max(earliest, now - ALL_TIMELINE_SPAN), bucket)
    count = (_floor(now, bucket) - first) // bucket + 1
    series: dict[tuple[str, str], list[int]] = {}
    for call in selected:
        index = (call.ts - first) // bucket
        if 0 <= index < count:
            series.setdefault((call.platform, call.endpoint), [0] * count)[index] += 1
    return Timeline(
        bucket_s=int(bucket.total_seconds()),
        starts=[first + i * bucket for i in range(count)],
        series=dict(sorted(series.items())),
    )
