"""How the drivers keep the API-call rollups (contracts/rollups.py): a batch of calls summed
per rollup row, rows read back into counters, and timelines filled from rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from marketing_etl.contracts.rollups import (
    ALL_TIME_S,
    BUCKETS_S,
    CallCounters,
    CallSeries,
    bucket_start,
    is_error,
)
from marketing_etl.models import ApiCall
from marketing_etl.usage_figures import load_class, load_pct, rate_limit_wait_s, regain_min, usage_of

# A rollup row's endpoint is the call's template, cut to this length: endpoints are paths (a few
# dozen characters), and a key column has to stay well within an index entry's size limit.
ENDPOINT_MAX = 400
# A path segment naming one object by its number: a Facebook ad account (act_<digits>), a report
# run, a campaign. Rolled up per object, a team's hundreds of accounts and every report run made
# a series each (125 at 100,000 jobs), which every chart and the /metrics body then carried.
_OBJECT_ID = re.compile(r"(?<=/)(act_)?\d+(?=/|$)")

COUNTER_FIELDS = tuple(f.name for f in fields(CallCounters))
SUMMED_FIELDS = ("calls", "errors", "wait_s", "safe", "warning", "critical", "unknown")
MAX_FIELDS = ("max_load_pct", "max_regain_min")


def endpoint_template(endpoint: str) -> str:
    """The endpoint a call is rolled up under: its path with each numeric object id replaced,
    /v25.0/act_123/insights -> /v25.0/act_{id}/insights, /v25.0/6021/insights -> /v25.0/{id}/insights.
    The raw call keeps its own path (the job page shows it)."""
    return _OBJECT_ID.sub(lambda found: f"{found.group(1) or ''}{{id}}", endpoint)[:ENDPOINT_MAX]


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
    template = endpoint_template(endpoint)
    for size in (*BUCKETS_S, ALL_TIME_S):
        key = RollupKey(size, bucket_start(ts, size), platform, template)
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
