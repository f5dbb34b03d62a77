"""API-call rollups: counters per hour, per day and for all time, kept by the store as calls are
recorded (reached as `store.rollups`).

The dashboard's timelines and platform tabs and the /metrics counters read these instead of the
raw call records, so their cost follows the number of buckets, not of calls, and the figures
survive the pruning of raw records: a rollup is only ever added to, never reduced.

One row per (bucket_s, bucket_start, platform, endpoint), where bucket_s is HOUR_S or DAY_S and
bucket_start the UTC start of the hour or day, or bucket_s is ALL_TIME_S (0) and bucket_start the
epoch: each recorded call is added to one hourly, one daily and one all-time row. All-time totals
(/metrics, the "all" range) so read one row per platform and endpoint, however long the history.

A query over a window [since, now] covers every bucket that overlaps it: the bucket that contains
`since` (whole) and every later one. Its counts may so include calls up to one bucket older than
`since` (an hour for hourly, a day for daily queries). How the drivers build and read the rows
is in storage/rollup_rows.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

HOUR_S = 3600
DAY_S = 86_400
BUCKETS_S = (HOUR_S, DAY_S)  # what queries ask for
ALL_TIME_S = 0  # a row per (platform, endpoint) for all time, which totals without `since` read
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Outcomes of /metrics: a call is an error when it got no answer, an HTTP error, or its client
# recorded an error (TikTok reports throttling in HTTP 200 bodies).
OK, ERROR = "ok", "error"


def bucket_start(moment: datetime, bucket_s: int) -> datetime:
    """The UTC start of the hour (HOUR_S) or day (DAY_S) containing `moment` (naive = UTC)."""
    if bucket_s == ALL_TIME_S:
        return EPOCH
    if bucket_s not in BUCKETS_S:
        raise ValueError(f"bucket_s must be one of {BUCKETS_S}, not {bucket_s}")
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    hour = utc.replace(minute=0, second=0, microsecond=0)
    return hour.replace(hour=0) if bucket_s == DAY_S else hour


def is_error(http_status: int | None, error: str | None) -> bool:
    return error is not None or http_status is None or http_status >= 400


def _higher(first: float | None, second: float | None) -> float | None:
    return max((value for value in (first, second) if value is not None), default=None)


@dataclass
class CallCounters:
    """What a bucket (or a sum of buckets) holds about its calls."""

    calls: int = 0
    errors: int = 0
    wait_s: float = 0.0  # usage_figures.rate_limit_wait_s, summed
    # calls by usage_figures.load_class of their highest usage figure
    safe: int = 0
    warning: int = 0
    critical: int = 0
    unknown: int = 0
    max_load_pct: float | None = None
    max_regain_min: float | None = None  # minutes

    @property
    def ok(self) -> int:
        return self.calls - self.errors

    def add(self, other: CallCounters) -> None:
        self.calls += other.calls
        self.errors += other.errors
        self.wait_s += other.wait_s
        self.safe += other.safe
        self.warning += other.warning
        self.critical += other.critical
        self.unknown += other.unknown
        self.max_load_pct = _higher(self.max_load_pct, other.max_load_pct)
        self.max_regain_min = _higher(self.max_regain_min, other.max_regain_min)


# (platform, endpoint) -> calls in each bucket of a timeline, oldest first
CallSeries = dict[tuple[str, str], list[int]]


class ApiCallRollups(Protocol):
    """Queries over the rollups; each is one query. `bucket_s` is HOUR_S or DAY_S; `since`
    None means all time; a window covers the bucket containing `since` and every later one.
    Totals over all time come from the all-time rows, whatever `bucket_s`."""

    def timeline(self, bucket_s: int, first: datetime, count: int, platform: str | None = None) -> CallSeries:
        """Calls per (platform, endpoint) in each of the `count` buckets from the one containing
        `first`, for every (platform, endpoint) with calls in them."""

    def by_endpoint(
        self, bucket_s: int, since: datetime | None, platform: str | None = None
    ) -> dict[tuple[str, str], CallCounters]:
        """Counters per (platform, endpoint) over the window."""

    def by_platform(self, bucket_s: int, since: datetime | None) -> dict[str, CallCounters]:
        """Counters per platform over the window (all time: the /metrics counters)."""
