"""Aggregates behind the dashboard's overview and platform tabs: the time ranges and the
API-call timeline. The job figures are in job_figures.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from marketing_etl.contracts.rollups import ApiCallRollups, bucket_start

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


def _floor(moment: datetime, bucket: timedelta) -> datetime:
    return bucket_start(moment, int(bucket.total_seconds()))


@dataclass(frozen=True)
class Timeline:
    bucket_s: int
    starts: list[datetime]
    # (platform, endpoint) -> calls per bucket, aligned with `starts`
    series: dict[tuple[str, str], list[int]]


def timeline(
    rollups: ApiCallRollups,
    since: datetime | None,
    now: datetime,
    bucket: timedelta,
    platform: str | None = None,
) -> Timeline:
    """API calls per platform and endpoint per bucket, with zeros where nothing was called, from
    the store's rollups: from the bucket containing the window's start (the first bucket counts
    whole, contracts/rollups.py) to the current one; for "all" (no start), from the first bucket with
    calls at most ALL_TIMELINE_SPAN back."""
    span_start = now - ALL_TIMELINE_SPAN
    first = _floor(span_start if since is None or since < span_start else since, bucket)
    count = (_floor(now, bucket) - first) // bucket + 1
    series = rollups.timeline(int(bucket.total_seconds()), first, count, platform)
    if since is None:  # the first bucket with calls (without any: the current bucket alone)
        skip = min((next(i for i, n in enumerate(c) if n) for c in series.values()), default=count - 1)
        first, count = first + skip * bucket, count - skip
        series = {key: counts[skip:] for key, counts in series.items()}
    return Timeline(
        bucket_s=int(bucket.total_seconds()),
        starts=[first + i * bucket for i in range(count)],
        series=dict(sorted(series.items())),
    )
