"""The fake TikTok API's video list and daily quota follow the reference, over real HTTP."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx

from marketing_etl.sandbox.fakes.tiktok_api import PREFIX, FakeTikTok
from tests.fakes.server import serve_app
from tests.tiktok import data
from tests.tiktok.conftest import TOKEN
from tests.tiktok.data import ADVERTISER, BC, P1, P2, STORE, V1, V2, V3

VIDEO_QUERY = {"advertiser_id": ADVERTISER, "store_id": STORE, "store_authorized_bc_id": BC}


def _get(base_url: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
    encoded = {k: json.dumps(v) if isinstance(v, list | dict) else str(v) for k, v in params.items()}
    response = httpx.get(f"{base_url}{PREFIX}{path}", params=encoded, headers={"Access-Token": TOKEN})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_the_video_list_has_tiktoks_shape_and_filters() -> None:
    dataset = data.small()
    dataset.removed_items = {V2}
    fake = FakeTikTok(dataset, TOKEN)
    with serve_app(fake.app) as base_url:
        body = _get(base_url, "/gmv_max/video/get/", {**VIDEO_QUERY, "page_size": 50})
        assert body["code"] == 0
        items = body["data"]["item_list"]
        # V2 is removed, the product card (-1) is no post; 7300...009 is P3's only creative.
        assert [item["item_id"] for item in items] == [V1, V3, "7300000000000000009"]
        try_on = items[0]
        assert try_on["text"] == "Shirt try-on" and try_on["spu_id_list"] == [P1]
        identity = try_on["identity_info"]
        assert identity["display_name"] == "Linen Co" and not identity["display_name"].startswith("@")
        assert identity["profile_image"] == "https://img.example/a1.jpg"
        assert identity["identity_type"] == "TT_USER" and identity["identity_id"].isdigit()
        assert set(try_on["video_info"]) >= {"video_id", "preview_url", "video_cover_url", "duration"}
        assert items[1]["identity_info"] == {"identity_id": "-1", "identity_type": "TT_USER"}  # no access
        assert body["data"]["page_info"] == {"page": 1, "page_size": 50, "total_number": 3, "total_page": 1}

        by_product = _get(base_url, "/gmv_max/video/get/", {**VIDEO_QUERY, "spu_id_list": [P2]})
        assert [item["item_id"] for item in by_product["data"]["item_list"]] == [V3]
        one_account = {"identity_id": identity["identity_id"], "identity_type": "TT_USER"}
        by_account = _get(base_url, "/gmv_max/video/get/", {**VIDEO_QUERY, "identity_list": [one_account]})
        assert [item["item_id"] for item in by_account["data"]["item_list"]] == [V1, "7300000000000000009"]

        too_big = _get(base_url, "/gmv_max/video/get/", {**VIDEO_QUERY, "page_size": 51})
        assert too_big["code"] == 40002 and "page_size between 1 and 50" in too_big["message"]
        no_bc = _get(base_url, "/gmv_max/video/get/", {"advertiser_id": ADVERTISER, "store_id": STORE})
        assert (
            no_bc["code"] == 40002 and no_bc["message"] == "Missing required field(s): store_authorized_bc_id"
        )


def test_report_calls_past_the_daily_quota_are_refused_until_the_utc_day_turns() -> None:
    today = [date(2026, 10, 1)]
    fake = FakeTikTok(data.small(), TOKEN, report_calls_per_day=2, today=lambda: today[0])
    report = {
        "advertiser_id": ADVERTISER,
        "store_ids": [STORE],
        "dimensions": ["campaign_id"],
        "metrics": ["cost"],
        "filtering": {"gmv_max_promotion_types": ["PRODUCT"]},
        "start_date": "2026-10-01",
        "end_date": "2026-10-02",
    }
    with serve_app(fake.app) as base_url:
        codes = [_get(base_url, "/gmv_max/report/get/", report)["code"] for _ in range(3)]
        stores = _get(base_url, "/gmv_max/store/list/", {"advertiser_id": ADVERTISER})
        today[0] = date(2026, 10, 2)
        next_day = _get(base_url, "/gmv_max/report/get/", report)["code"]
    assert codes == [0, 0, 40100]
    assert stores["code"] == 0  # the quota is the report endpoint's own
    assert next_day == 0
    assert fake.report_calls_by_day == {date(2026, 10, 1): 2, date(2026, 10, 2): 1}
