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
`since` (an hour for hourly, a day for daily queries).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from marketing_etl.models import ApiCall
from marketing_etl.usage_figures import (
    highest,
    load_class,
    load_pct,
    rate_limit_wait_s,
    regain_min,
    usage_of,
)

HOUR_S = 3600
DAY_S = 86_400
BUCKETS_S = (HOUR_S, DAY_S)  # what queries ask for
ALL_TIME_S = 0  # a row per (platform, endpoint) for all time, which totals without `since` read
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Outcomes of /metrics: a call is an error when it got no answer, an HTTP error, or its client
# recorded an error (TikTok reports throttling in HTTP 200 bodies).
OK, ERROR = "ok", "error"
# A rollup row's endpoint is the call's, cut to this length: endpoints are paths (a few dozen
# characters), and a key column has to stay well within an index entry's size limit.
ENDPOINT_MAX = 400


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
        self.max_load_pct = highest(self.max_load_pct, other.max_load_pct)
        self.max_regain_min = highest(self.max_regain_min, other.max_regain_min)


COUNTER_FIELDS = tuple(f.name for f in fields(CallCounters))
SUMMED_FIELDS = ("calls", "errors", "wait_s", "safe", "warning", "critical", "unknown")
MAX_FIELDS = ("max_load_pct", "max_regain_min")


def counters_from(record: Mapping[Any, Any]) -> CallCounters:
    """Counters read back from a row or document (absent maxima are None; sums are 0)."""
    values: dict[str, Any] = {name: record.get(name) for name in COUNTER_FIELDS}
    for name in SUMMED_FIELDS:
        values[name] = values[name] or 0
    values["wait_s"] = float(values["wait_s"])
    for name in ("calls", "errors", "safe", "warning", "critical", "unknown"):
        values[name] = int(values[name])
    for name in MAX_FIELDS:
        values[name] = None if values[name] is None else float(values[name])
    return CallCounters(**values)


@dataclass(frozen=True, order=True)
class RollupKey:
    bucket_s: int
    bucket_start: datetime
    platform: str
    endpoint: str


# (platform, endpoint) -> calls in each bucket of a timeline, oldest first
CallSeries = dict[tuple[str, str], list[int]]


def fill_series(
    rows: Iterable[tuple[Any, str, str, int]],
    first: datetime,
    bucket_s: int,
    count: int,
    to_utc: Callable[[Any], datetime],
) -> CallSeries:
    """A timeline's series from rollup rows (bucket start as the driver returned it, platform,
    endpoint, calls): `count` buckets of `bucket_s` from `first`, a bucket start. A year of
    daily rows is tens of thousands over a few hundred buckets, so each distinct start is placed
    once, not once per row, and the loop stays small."""
    bucket = timedelta(seconds=bucket_s)
    index_of: dict[Any, int] = {}
    series: CallSeries = {}
    for raw_start, platform, endpoint, calls in rows:
        index = index_of.get(raw_start)
        if index is None:
            index = index_of[raw_start] = (to_utc(raw_start) - first) // bucket
        if 0 <= index < count:
            counts = series.get((platform, endpoint))
            if counts is None:
                counts = series[(platform, endpoint)] = [0] * count
            counts[index] += calls
    return series


Deltas = dict[RollupKey, CallCounters]


def add_call(
    into: Deltas,
    *,
    ts: datetime,
    platform: str,
    endpoint: str,
    http_status: int | None,
    error: str | None,
    usage: object,
) -> None:
    """Add one call to its hourly, daily and all-time rows in `into`."""
    figures = usage_of(usage)
    load = load_pct(figures)
    one = CallCounters(
        calls=1,
        errors=int(is_error(http_status, error)),
        wait_s=rate_limit_wait_s(figures),
        max_load_pct=load,
        max_regain_min=regain_min(figures),
    )
    setattr(one, load_class(load), 1)
    for size in (*BUCKETS_S, ALL_TIME_S):
        key = RollupKey(size, bucket_start(ts, size), platform, endpoint[:ENDPOINT_MAX])
        into.setdefault(key, CallCounters()).add(one)


def rollup_deltas(calls: Iterable[ApiCall]) -> list[tuple[RollupKey, CallCounters]]:
    """A batch's calls summed per rollup row, each row once, in key order (a fixed order, so two
    batches writing the same rows lock them in the same order and cannot deadlock)."""
    deltas: Deltas = {}
    for call in calls:
        add_call(
            deltas,
            ts=call.ts,
            platform=call.platform,
            endpoint=call.endpoint,
            http_status=call.http_status,
            error=call.error,
            usage=call.usage,
        )
    return sorted(deltas.items())


def totals_bucket_s(bucket_s: int, since: datetime | None) -> int:
    """The rows totals over a window read: the all-time ones when the window is all time."""
    return ALL_TIME_S if since is None else bucket_s


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
