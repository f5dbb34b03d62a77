"""A small set of API calls across hours, days, platforms, endpoints and usage classes, and the
rollups it must produce, for the rollup contract tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from marketing_etl.contracts.rollups import CallCounters
from marketing_etl.models import ApiCall

H = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # an hour's start
DAY_START = H.replace(hour=0)
FB, TT, SHEETS = "facebook", "tiktok", "sheets"
# Rolled up under these templates: the calls below name several accounts (rollup_rows.py).
INSIGHTS, ADS = "/v25.0/act_{id}/insights", "/v25.0/act_{id}/ads"
REPORT, APPEND = "/gmv_max/report/get/", "values:append"


def call(platform: str, endpoint: str, at: timedelta, status: int | None = 200, **extra: Any) -> ApiCall:
    return ApiCall(
        job_id="j",
        ts=H + at,
        platform=platform,
        endpoint=endpoint,
        http_status=status,
        duration_ms=9.5,
        **extra,
    )


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


SEED = {
    # Facebook, 09:00-10:00: two safe (0.9 is 0.9 %, not 90 %), one warning (95 is not above 95)
    "fb-safe": call(FB, "/v25.0/act_1/insights", minutes(5), usage={"app_usage_pct": 12}),
    "fb-safe-wait": call(
        FB, "/v25.0/act_339410370/insights", minutes(50), usage={"app_usage_pct": 0.9, "wait_s": 120}
    ),
    "fb-warning": call(
        FB,
        INSIGHTS,
        timedelta(minutes=59, seconds=59),
        400,
        error="throttled",
        usage={"acc_id_util_pct": 95, "estimated_time_to_regain_access": 14},
    ),
    # 10:00-11:00: critical by a header name, a text number, and an unanswered call (unknown)
    "fb-critical": call(
        FB, "/v25.0/act_2/insights", minutes(65), usage={"total_cputime": 95.5, "backoff_s": "2.5"}
    ),
    "fb-no-answer": call(FB, INSIGHTS, minutes(70), None, error="no response: ConnectTimeout"),
    "fb-critical-ads": call(
        FB,
        ADS,
        minutes(70),
        usage={"call_count": "100", "estimated_time_to_regain_access_min": 3, "wait_s": -5},
    ),
    # the next day, 02:00: a flag is not a figure
    "fb-unknown-next-day": call(FB, "/v25.0/act_2/ads", timedelta(hours=17), usage={"app_usage_pct": True}),
    # the day before
    "fb-warning-day-before": call(FB, INSIGHTS, timedelta(days=-1, minutes=30), usage={"app_usage_pct": 80}),
    # TikTok reports throttling in an HTTP 200 body: an error all the same
    "tt-throttled": call(TT, REPORT, minutes(10), error="code 51001: rate limited", usage={"code": 51001}),
    "tt-ok": call(TT, REPORT, minutes(20)),
    "sheets": call(SHEETS, APPEND, minutes(30), usage={"budget_wait_s": 3.25, "request_bytes": 1000}),
}
LATEST = H + timedelta(hours=17)  # the last seeded call
# Recorded in these batches: a batch may touch one row several times, and rows in any order.
BATCHES = [
    ["fb-warning-day-before", "fb-safe", "tt-throttled"],
    ["fb-safe-wait", "fb-warning", "fb-critical", "fb-no-answer", "fb-critical-ads", "sheets"],
    ["tt-ok"],
    ["fb-unknown-next-day"],
]


def counters(**values: Any) -> CallCounters:
    return CallCounters(**values)


HOURLY = {
    (H - timedelta(days=1), FB, INSIGHTS): counters(calls=1, warning=1, max_load_pct=80),
    (H, FB, INSIGHTS): counters(
        calls=3, errors=1, wait_s=120, safe=2, warning=1, max_load_pct=95, max_regain_min=14
    ),
    (H, SHEETS, APPEND): counters(calls=1, wait_s=3.25, unknown=1),
    (H, TT, REPORT): counters(calls=2, errors=1, unknown=2),
    (H + timedelta(hours=1), FB, ADS): counters(calls=1, critical=1, max_load_pct=100, max_regain_min=3),
    (H + timedelta(hours=1), FB, INSIGHTS): counters(
        calls=2, errors=1, wait_s=2.5, critical=1, unknown=1, max_load_pct=95.5
    ),
    (H + timedelta(hours=17), FB, ADS): counters(calls=1, unknown=1),
}
DAILY = {
    (DAY_START - timedelta(days=1), FB, INSIGHTS): counters(calls=1, warning=1, max_load_pct=80),
    (DAY_START, FB, ADS): counters(calls=1, critical=1, max_load_pct=100, max_regain_min=3),
    (DAY_START, FB, INSIGHTS): counters(
        calls=5,
        errors=2,
        wait_s=122.5,
        safe=2,
        warning=1,
        critical=1,
        unknown=1,
        max_load_pct=95.5,
        max_regain_min=14,
    ),
    (DAY_START, SHEETS, APPEND): counters(calls=1, wait_s=3.25, unknown=1),
    (DAY_START, TT, REPORT): counters(calls=2, errors=1, unknown=2),
    (DAY_START + timedelta(days=1), FB, ADS): counters(calls=1, unknown=1),
}
ALL_TIME = {
    FB: counters(
        calls=8,
        errors=2,
        wait_s=122.5,
        safe=2,
        warning=2,
        critical=2,
        unknown=2,
        max_load_pct=100,
        max_regain_min=14,
    ),
    SHEETS: counters(calls=1, wait_s=3.25, unknown=1),
    TT: counters(calls=2, errors=1, unknown=2),
}


# (platform, endpoint) -> (bucket start, calls) for each bucket with calls, oldest first
Points = dict[tuple[str, str], list[tuple[datetime, int]]]


def bucket_rows(expected: dict[tuple[datetime, str, str], CallCounters]) -> Points:
    """The timeline the expected rows make."""
    series: Points = {}
    for (start, platform, endpoint), c in sorted(expected.items()):
        series.setdefault((platform, endpoint), []).append((start, c.calls))
    return series


def seed_calls() -> list[ApiCall]:
    return [SEED[name] for batch in BATCHES for name in batch]
