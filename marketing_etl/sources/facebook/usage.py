"""The usage headers Facebook sends on every response, errors included.

X-App-Usage, X-Ad-Account-Usage, X-Business-Use-Case-Usage (BUC, keyed by the numeric account id)
and X-FB-Ads-Insights-Throttle. Their numbers are already percentages (never multiply by 100);
the BUC `estimated_time_to_regain_access` is in minutes, `reset_time_duration` in seconds.
The access tier is recorded under its current name (Meta renamed standard_access to
limited_access and advanced_access to full_access in 2026); an unknown tier as it is.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marketing_etl.usage_figures import tier_name


@dataclass(frozen=True)
class Usage:
    app_pct: float | None = None  # max of X-App-Usage call_count / total_time / total_cputime
    account_pct: float | None = None  # X-Ad-Account-Usage acc_id_util_pct
    insights_app_pct: float | None = None  # X-FB-Ads-Insights-Throttle app_id_util_pct
    insights_account_pct: float | None = None  # X-FB-Ads-Insights-Throttle acc_id_util_pct
    # x-Fb-Ads-Insights-Reach-Throttle (reach with breakdowns older than 13 months): a daily
    # allowance, not a pace, so it stays out of highest_pct. Its format is undocumented: the
    # highest number in it is taken as the percentage used.
    reach_pct: float | None = None
    buc_type: str | None = None
    buc_call_count_pct: float | None = None
    buc_total_cputime_pct: float | None = None
    buc_total_time_pct: float | None = None
    regain_access_min: float | None = None
    reset_time_s: float | None = None
    access_tier: str | None = None
    account_id: str | None = None

    @property
    def highest_pct(self) -> float:
        """The usage closest to its limit, whichever header reported it."""
        values = (
            self.app_pct,
            self.account_pct,
            self.insights_app_pct,
            self.insights_account_pct,
            self.buc_call_count_pct,
            self.buc_total_cputime_pct,
            self.buc_total_time_pct,
        )
        return max((v for v in values if v is not None), default=0.0)

    def as_record(self) -> dict[str, Any]:
        """The keys the dashboard charts (ApiCall.usage); absent headers leave keys out."""
        record = {
            "app_usage_pct": self.app_pct,
            "account_usage_pct": self.account_pct,
            "insights_app_usage_pct": self.insights_app_pct,
            "insights_account_usage_pct": self.insights_account_pct,
            "insights_reach_usage_pct": self.reach_pct,
            "buc_type": self.buc_type,
            "buc_call_count_pct": self.buc_call_count_pct,
            "buc_total_cputime_pct": self.buc_total_cputime_pct,
            "buc_total_time_pct": self.buc_total_time_pct,
            "estimated_time_to_regain_access_min": self.regain_access_min,
            "reset_time_duration_s": self.reset_time_s,
            "ads_api_access_tier": self.access_tier,
            "account_id": self.account_id,
        }
        return {key: value for key, value in record.items() if value is not None}


def parse_usage(headers: Mapping[str, str], account_id: str | None) -> Usage:
    """`account_id` (act_123 or 123) picks that account's BUC entry; without it, the busiest."""
    numeric = account_id.removeprefix("act_") if account_id else None
    app = _json(headers.get("x-app-usage"))
    account = _json(headers.get("x-ad-account-usage"))
    insights = _json(headers.get("x-fb-ads-insights-throttle"))
    reach = _json(headers.get("x-fb-ads-insights-reach-throttle"))
    buc = _busiest_buc(_json(headers.get("x-business-use-case-usage")), numeric)
    return Usage(
        app_pct=_max_of(app, ("call_count", "total_time", "total_cputime")),
        account_pct=_num(account.get("acc_id_util_pct")),
        insights_app_pct=_num(insights.get("app_id_util_pct")),
        insights_account_pct=_num(insights.get("acc_id_util_pct")),
        reach_pct=_max_of(reach, tuple(reach)),
        buc_type=_str(buc.get("type")),
        buc_call_count_pct=_num(buc.get("call_count")),
        buc_total_cputime_pct=_num(buc.get("total_cputime")),
        buc_total_time_pct=_num(buc.get("total_time")),
        regain_access_min=_num(buc.get("estimated_time_to_regain_access")),
        reset_time_s=_num(account.get("reset_time_duration")),
        access_tier=_tier(buc, account, insights),
        account_id=f"act_{numeric}" if numeric else None,
    )


def _tier(*headers: Mapping[str, Any]) -> str | None:
    """The first tier a header names (a blank one names none), under its current name."""
    for header in headers:
        raw = header.get("ads_api_access_tier")
        if isinstance(raw, str) and raw.strip():
            return tier_name(raw.strip())
    return None


def _busiest_buc(buc: Mapping[str, Any], numeric_account: str | None) -> Mapping[str, Any]:
    if numeric_account is not None and numeric_account in buc:
        candidates = _entries(buc[numeric_account])
    else:
        candidates = [entry for value in buc.values() for entry in _entries(value)]
    fields = ("call_count", "total_cputime", "total_time", "estimated_time_to_regain_access")
    return max(candidates, key=lambda e: _max_of(e, fields) or 0.0, default={})


def _entries(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _json(raw: str | None) -> Mapping[str, Any]:
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}  # a malformed header must never fail a call
    return parsed if isinstance(parsed, Mapping) else {}


def _max_of(source: Mapping[str, Any], keys: tuple[str, ...]) -> float | None:
    values = [v for v in (_num(source.get(k)) for k in keys) if v is not None]
    return max(values) if values else None


def _num(raw: object) -> float | None:
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        return float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _str(raw: object) -> str | None:
    return str(raw) if raw else None
