"""The usage headers the fake Graph API sends on every response, errors included.

`x-app-usage`, `x-business-use-case-usage` (with the throttled account's
`estimated_time_to_regain_access`), `x-ad-account-usage` and, for insights,
`x-fb-ads-insights-throttle` plus the data rules' own headers (facebook_rules.py). The usage
figure comes from the load meter (facebook_load.py); a throttling fault with an ETA reports 100%.
"""

from __future__ import annotations

import json
from typing import Any

from marketing_etl.sandbox.fakes.facebook_rules import FakeRules


def usage_headers(
    path: str, account: str | None, eta: int, usage_pct: float, access_tier: str, rules: FakeRules
) -> dict[str, str]:
    pct = 100.0 if eta else usage_pct
    headers = {"x-app-usage": _compact({"call_count": pct, "total_time": pct / 2, "total_cputime": pct / 3})}
    if account is not None:
        kind = "ads_insights" if "insights" in path else "ads_management"
        headers["x-business-use-case-usage"] = _compact(
            {
                account: [
                    {
                        "type": kind,
                        "call_count": pct,
                        "total_cputime": pct / 2,
                        "total_time": pct / 2,
                        "estimated_time_to_regain_access": eta,
                        "ads_api_access_tier": access_tier,
                    }
                ]
            }
        )
        headers["x-ad-account-usage"] = _compact(
            {"acc_id_util_pct": pct, "reset_time_duration": 0, "ads_api_access_tier": access_tier}
        )
    if "insights" in path:
        headers["x-fb-ads-insights-throttle"] = _compact(
            {"app_id_util_pct": pct, "acc_id_util_pct": pct, "ads_api_access_tier": access_tier}
        )
    if account is not None and "insights" in path:
        headers.update(rules.headers(account))
    return headers


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
