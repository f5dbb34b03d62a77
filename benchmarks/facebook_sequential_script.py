"""The script a user writes without the service: every account in turn, its insights pages one
after another, then its ads' metadata in `?ids=` batches of 50. Used by facebook_ad_daily as the
comparison.

The official facebook-business SDK is not a dependency of this project, so the script replays
the SDK's calls with httpx: `AdAccount.get_insights` returns a Cursor that asks for the next
page only once the last one is consumed, and a user's batch of object reads is one call per 50
ids. Same fields, filters and page size as the service, so both make the same calls; only their
order and overlap differ. Writing to Google Sheets is left out of both sides.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from marketing_etl.sources.facebook.insights import ALL_AD_STATUSES
from marketing_etl.sources.facebook.metadata import IDS_PER_CALL, object_fields
from marketing_etl.sources.facebook.plan import ReportPlan


@dataclass(frozen=True)
class ScriptRun:
    rows: int
    calls: int
    wall_s: float


def run_sequential_script(
    api_url: str, token: str, account_ids: list[str], plan: ReportPlan, since: date, until: date
) -> ScriptRun:
    """`api_url`: the Graph base with the version, e.g. http://127.0.0.1:8000/v25.0."""
    started = time.monotonic()
    rows = calls = 0
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=api_url, headers=headers, timeout=120) as http:
        for account_id in account_ids:
            ad_ids: dict[str, None] = {}
            for page in _insight_pages(http, account_id, plan, since, until):
                calls += 1
                rows += len(page)
                ad_ids.update({str(row[plan.object_key]): None for row in page})
            ids = list(ad_ids)
            for start in range(0, len(ids) if plan.meta_keys else 0, IDS_PER_CALL):
                batch = ids[start : start + IDS_PER_CALL]
                fields = object_fields(plan.meta_keys)
                _get(http, "", {"ids": ",".join(batch), "fields": fields})
                calls += 1
    return ScriptRun(rows, calls, time.monotonic() - started)


def _insight_pages(http: httpx.Client, account_id: str, plan: ReportPlan, since: date, until: date) -> Any:
    template = plan.template
    params: dict[str, str] = {
        "level": template.level,
        "fields": ",".join(plan.insight_fields),
        "time_range": json.dumps({"since": str(since), "until": str(until)}),
        "time_increment": str(template.time_increment or "all_days"),
        "limit": "500",
    }
    if template.spend_filter:
        params["filtering"] = json.dumps(
            [
                {"field": "spend", "operator": "GREATER_THAN", "value": "0"},
                {"field": "ad.effective_status", "operator": "IN", "value": ALL_AD_STATUSES},
            ]
        )
    while True:
        body = _get(http, f"{account_id}/insights", params)
        yield body.get("data") or []
        paging = body.get("paging") or {}
        if not paging.get("next"):
            return
        params = {**params, "after": paging["cursors"]["after"]}


def _get(http: httpx.Client, path: str, params: dict[str, str]) -> dict[str, Any]:
    response = http.get(f"/{path}", params=params)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body
