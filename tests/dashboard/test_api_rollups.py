"""The dashboard's API-call figures come from the store's rollups: deleting the raw call records
(what retention does to old ones) changes none of them."""

from __future__ import annotations

from typing import Any

from marketing_etl.storage.sql_schema import api_calls, create_engine
from tests.api.helpers import BOTH_BACKENDS, DASH_AUTH, Api
from tests.dashboard.support import fb_call, tt_call

RANGES = ("24h", "7d", "30d", "all")
# The API-call parts of each view.
CALL_KEYS = {
    "/summary": ("api_calls",),
    "/facebook": ("api_calls", "usage_buckets", "total_wait_s", "max_regain_min", "api_timeline"),
    "/tiktok": ("api_totals", "api_timeline"),
    "": ("api_total_counts", "api_timeseries"),
}


def call_figures(api: Api) -> dict[tuple[str, str], dict[str, Any]]:
    figures = {}
    for path, keys in CALL_KEYS.items():
        for time_range in RANGES:
            response = api.client.get(
                f"/api/dashboard{path}", params={"time_range": time_range}, auth=DASH_AUTH
            )
            assert response.status_code == 200, response.text
            data = response.json()
            figures[(path, time_range)] = {key: data[key] for key in keys}
    return figures


@BOTH_BACKENDS
def test_call_figures_stay_when_the_raw_calls_go(api: Api) -> None:
    api.services.store.record_api_calls(
        [
            fb_call("fb-1", 0.2, app_usage_pct=96, wait_s=30, estimated_time_to_regain_access=4),
            fb_call("fb-1", 0.3, "/act_1/ads", app_usage_pct=80),
            fb_call("fb-1", 24 * 5, app_usage_pct=10),
            fb_call("fb-1", 24 * 40),
            tt_call("tt-1", 0.4, "/gmv_max/report/get/"),
            tt_call("tt-1", 24 * 12, "/gmv_max/store/list/"),
        ]
    )
    before = call_figures(api)
    assert before[("/facebook", "all")]["api_calls"] == 4
    assert before[("/facebook", "24h")]["usage_buckets"] == {
        "safe": 0,
        "warning": 1,
        "critical": 1,
        "unknown": 0,
    }
    assert before[("/tiktok", "30d")]["api_totals"] == {"/gmv_max/report/get/": 1, "/gmv_max/store/list/": 1}

    engine = create_engine(api.services.settings.resolved_database_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(api_calls.delete()).rowcount == 6
    finally:
        engine.dispose()

    assert call_figures(api) == before
