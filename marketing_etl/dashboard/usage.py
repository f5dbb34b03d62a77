"""Platform usage numbers read out of recorded API calls, for the dashboard's charts.

Sources record whatever their platform reports in `ApiCall.usage`, flat, with values that are
already percentages (0-100, never fractions to multiply by 100 as the original did). Sources are
written separately and evolve, so every key is read defensively: a missing, non-numeric or
negative value is "unknown", never zero and never an error. Names the Facebook source may use
for one figure are listed together; the first present wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, computed_field

from marketing_etl.models import ApiCall

# figure -> the usage keys it may be recorded under (the Facebook source's names first)
PERCENT_KEYS: dict[str, tuple[str, ...]] = {
    "app_pct": ("app_usage_pct",),
    "insights_app_pct": ("insights_app_usage_pct", "app_id_util_pct"),
    "account_pct": ("account_usage_pct", "acc_id_util_pct"),
    "insights_account_pct": ("insights_account_usage_pct", "insights_usage_pct"),
    "call_count_pct": ("buc_call_count_pct", "call_count", "buc_call_count"),
    "cputime_pct": ("buc_total_cputime_pct", "total_cputime", "buc_total_cputime"),
    "time_pct": ("buc_total_time_pct", "total_time", "buc_total_time"),
}
REGAIN_KEYS = (  # minutes
    "estimated_time_to_regain_access_min",
    "estimated_time_to_regain_access",
    "regain_access_min",
)
WAIT_KEYS = ("wait_s", "backoff_s")  # seconds the client slept for this call's rate limits
TIER_KEYS = ("ads_api_access_tier", "access_tier")
ACCOUNT_KEYS = ("account_id", "ad_account_id")

WARNING_PCT = 75.0
CRITICAL_PCT = 95.0


def _number(usage: Mapping[str, Any], keys: Iterable[str]) -> float | None:
    for key in keys:
        value = usage.get(key)
        # bool is an int subclass; a flag is not a measurement.
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
        if isinstance(value, str):
            try:
                parsed = float(value)
            except ValueError:
                continue
            if parsed >= 0:
                return parsed
    return None


def _text(usage: Mapping[str, Any], keys: Iterable[str]) -> str | None:
    for key in keys:
        value = usage.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def account_label(raw: str | None) -> str | None:
    # Usage headers name accounts by bare number; requests use act_<number>. Show one form.
    if raw is None:
        return None
    return f"act_{raw}" if raw.isdigit() else raw


class UsagePoint(BaseModel):
    """One API call's usage figures; None where the call did not report that figure."""

    ts: datetime
    platform: str
    endpoint: str
    http_status: int | None
    duration_ms: float
    account_id: str | None
    app_pct: float | None
    insights_app_pct: float | None
    account_pct: float | None
    insights_account_pct: float | None
    call_count_pct: float | None
    cputime_pct: float | None
    time_pct: float | None
    regain_min: float | None
    wait_s: float | None
    tier: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def load_pct(self) -> float | None:
        """The highest usage figure of the call: how close it came to being throttled."""
        return _highest(
            self.app_pct,
            self.insights_app_pct,
            self.account_pct,
            self.insights_account_pct,
            self.call_count_pct,
            self.cputime_pct,
            self.time_pct,
        )

    @property
    def account_load_pct(self) -> float | None:
        """The account's own usage, by the ad-account or the insights header."""
        return _highest(self.account_pct, self.insights_account_pct)


def _highest(*values: float | None) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def usage_point(call: ApiCall) -> UsagePoint:
    usage = call.usage if isinstance(call.usage, Mapping) else {}
    percents = {name: _number(usage, keys) for name, keys in PERCENT_KEYS.items()}
    return UsagePoint(
        ts=call.ts,
        platform=call.platform,
        endpoint=call.endpoint,
        http_status=call.http_status,
        duration_ms=call.duration_ms,
        account_id=account_label(_text(usage, ACCOUNT_KEYS)),
        regain_min=_number(usage, REGAIN_KEYS),
        wait_s=_number(usage, WAIT_KEYS),
        tier=_text(usage, TIER_KEYS),
        **percents,
    )


def load_bucket(load_pct: float | None) -> str:
    if load_pct is None:
        return "unknown"
    if load_pct > CRITICAL_PCT:
        return "critical"
    if load_pct >= WARNING_PCT:
        return "warning"
    return "safe"


class AccountUsage(BaseModel):
    account_id: str
    calls: int
    max_account_pct: float | None
    max_load_pct: float | None
    max_regain_min: float | None
    tier: str | None


@dataclass
class _AccountTally:
    calls: int = 0
    max_account_pct: float | None = None
    max_load_pct: float | None = None
    max_regain_min: float | None = None
    tier: str | None = None


def _max(current: float | None, value: float | None) -> float | None:
    if value is None:
        return current
    return value if current is None else max(current, value)


def accounts_table(points: Iterable[UsagePoint]) -> list[AccountUsage]:
    """Per account: calls, highest usage and wait seen, and its access tier; busiest first."""
    tallies: dict[str, _AccountTally] = {}
    for point in points:
        if point.account_id is None:
            continue
        tally = tallies.setdefault(point.account_id, _AccountTally())
        tally.calls += 1
        tally.max_account_pct = _max(tally.max_account_pct, point.account_load_pct)
        tally.max_load_pct = _max(tally.max_load_pct, point.load_pct)
        tally.max_regain_min = _max(tally.max_regain_min, point.regain_min)
        tally.tier = point.tier or tally.tier
    rows = [AccountUsage(account_id=account, **vars(t)) for account, t in tallies.items()]
    return sorted(rows, key=lambda row: (-row.calls, row.account_id))
