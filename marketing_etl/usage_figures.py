"""Reading the usage figures a recorded API call carries (`ApiCall.usage`), for every reader.

Sources record whatever their platform reports, flat, with values that are already percentages
(0-100, never fractions to multiply by 100 as the original did). Sources are written separately
and evolve, so every key is read defensively: a missing, non-numeric or negative value is
"unknown", never zero and never an error. Names a source may use for one figure are listed
together; the first present wins.

A low module (it imports nothing of the package): the store classifies each call with it when
it maintains the API-call rollups, and the dashboard reads a job's calls with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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
WAIT_KEYS = ("wait_s", "backoff_s")  # one call's wait, as the job page shows it
# Seconds a client slept for rate limits before a call, under every name a client records it
# (the Sheets client's budget wait included); a call's waits under these keys add up.
RATE_LIMIT_WAIT_KEYS = ("wait_s", "backoff_s", "budget_wait_s")
TIER_KEYS = ("ads_api_access_tier", "access_tier")
# Meta renamed its access tiers in 2026 (Standard -> Limited, Advanced -> Full); headers and
# stored calls may carry either name. Unknown tiers are kept as they are.
RENAMED_TIERS = {"standard_access": "limited_access", "advanced_access": "full_access"}
ACCOUNT_KEYS = ("account_id", "ad_account_id")

WARNING_PCT = 75.0
CRITICAL_PCT = 95.0
LOAD_CLASSES = ("safe", "warning", "critical", "unknown")


def usage_of(raw: object) -> Mapping[str, Any]:
    """A call's usage as a mapping; anything else reads as "reported nothing"."""
    return raw if isinstance(raw, Mapping) else {}


def number(usage: Mapping[str, Any], keys: Iterable[str]) -> float | None:
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


def text(usage: Mapping[str, Any], keys: Iterable[str]) -> str | None:
    for key in keys:
        value = usage.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def tier_name(raw: str | None) -> str | None:
    """An access tier under its current name: old names renamed, any other value as it is."""
    if raw is None:
        return None
    return RENAMED_TIERS.get(raw.strip().lower(), raw)


def highest(*values: float | None) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def percents(usage: Mapping[str, Any]) -> dict[str, float | None]:
    """Every usage percentage by its figure's name (PERCENT_KEYS), None where not reported."""
    return {name: number(usage, keys) for name, keys in PERCENT_KEYS.items()}


def load_pct(usage: Mapping[str, Any]) -> float | None:
    """The call's highest usage figure: how close it came to being throttled."""
    return highest(*percents(usage).values())


def regain_min(usage: Mapping[str, Any]) -> float | None:
    return number(usage, REGAIN_KEYS)


def rate_limit_wait_s(usage: Mapping[str, Any]) -> float:
    """Seconds waited for rate limits before the call: the sum over RATE_LIMIT_WAIT_KEYS."""
    return sum(number(usage, (key,)) or 0.0 for key in RATE_LIMIT_WAIT_KEYS)


def load_class(load: float | None) -> str:
    """safe (below 75 %), warning (75-95 %), critical (above 95 %) or unknown (no figure)."""
    if load is None:
        return "unknown"
    if load > CRITICAL_PCT:
        return "critical"
    if load >= WARNING_PCT:
        return "warning"
    return "safe"
