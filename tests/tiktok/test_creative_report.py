"""The creative report end to end, with the idle filter, attributes and batched metrics."""

from __future__ import annotations

import json

from marketing_etl.models import JobStatus
from tests.tiktok.conftest import Harness
from tests.tiktok.data import ADVERTISER, BC, C1, C2, P1, P2, P3, STORE, V1, V2, V3

HEADER = [
    "start_date",
    "end_date",
    "advertiser_id",
    "advertiser_name",
    "store_id",
    "store_name",
    "campaign_id",
    "campaign_name",
    "operation_status",
    "item_group_id",
    "product_name",
    "product_status",
    "product_image_url",
    "item_id",
    "video_url",
    "title",
    "tt_account_name",
    "tt_account_profile_image_url",
    "product_img",
    "cost",
    "orders",
    "cost_per_order",
    "gross_revenue",
    "roi",
    "product_impressions",
    "product_clicks",
    "product_click_rate",
    "ad_conversion_rate",
    "creative_delivery_status",
    "ad_video_view_rate_2s",
    "ad_video_view_rate_6s",
    "ad_video_view_rate_p25",
    "ad_video_view_rate_p50",
    "ad_video_view_rate_p75",
    "ad_video_view_rate_p100",
    "currency",
]
HEAD = ["2026-10-01", "2026-10-02", ADVERTISER, "Ana's Ads", STORE, "Fake Shop"]
SPRING_SHIRT = [C1, "Spring Sale", "ENABLE", P1, "Linen Shirt", "AVAILABLE", "https://img.example/p1.jpg"]
SHIRT_IMG = '=IMAGE("https://img.example/p1.jpg")'
CARD = [
    *HEAD,
    *SPRING_SHIRT,
    "-1",
    None,
    None,
    None,
    None,
    SHIRT_IMG,
    3.0,
    0,
    None,
    0.0,
    0.0,
    50,
    5,
    0.1,
    None,
    "DELIVERING",
    None,
    None,
    None,
    None,
    None,
    None,
    "USD",
]
TRY_ON = [
    *HEAD,
    *SPRING_SHIRT,
    V1,
    f"https://www.tiktok.com/@user/video/{V1}",
    "Shirt try-on",
    "Linen Co",
    "https://img.example/a1.jpg",
    SHIRT_IMG,
    12.5,
    2,
    6.25,
    59.8,
    4.78,
    600,
    200,
    0.3333,
    0.01,
    "DELIVERING",
    0.4,
    0.255,
    0.2,
    0.1,
    0.05,
    0.025,
    "USD",
]
IDLE = [
    *HEAD,
    *SPRING_SHIRT,
    V2,
    f"https://www.tiktok.com/@user/video/{V2}",
    "Idle clip",
    "Linen Co",
    "https://img.example/a1.jpg",
    SHIRT_IMG,
    0.0,
    0,
    0.0,
    0.0,
    0.0,
    10,
    0,
    0.0,
    0.0,
    "NOT_DELIVERYING",
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    "USD",
]
NEVER_RAN = [
    *HEAD,
    C1,
    "Spring Sale",
    "ENABLE",
    P3,
    f"(product {P3} is not in the store catalog)",
    None,
    None,
    "7300000000000000009",
    "https://www.tiktok.com/@user/video/7300000000000000009",
    "Never ran",
    "Linen Co",
    "https://img.example/a1.jpg",
    None,
    0.0,
    0,
    0.0,
    0.0,
    0.0,
    0,
    0,
    0.0,
    0.0,
    "IN_QUEUE",
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    0.0,
    "USD",
]
UNBOXING = [
    *HEAD,
    C2,
    "Evergreen",
    "DISABLE",
    P2,
    'Canvas "Tote"',
    "UNAVAILABLE",
    "https://img.example/p2.jpg",
    V3,
    f"https://www.tiktok.com/@user/video/{V3}",
    "Tote unboxing",
    None,
    None,
    '=IMAGE("https://img.example/p2.jpg")',
    10.0,
    2,
    5.0,
    40.0,
    4.0,
    1000,
    50,
    0.05,
    0.04,
    "LEARNING",
    1.0,
    0.621,
    0.5,
    0.3,
    0.12,
    0.0725,
    "USD",
]


def test_every_cell_of_the_creative_report(tiktok: Harness) -> None:
    tiktok.start()
    assert tiktok.run("c-1", "creative") is JobStatus.SUCCESS, tiktok.job("c-1").message
    assert tiktok.table("c-1") == [HEADER, CARD, TRY_ON, UNBOXING]


def test_creative_calls_skip_idle_pairs_and_read_titles_from_the_video_list(tiktok: Harness) -> None:
    tiktok.start()
    tiktok.run("c-calls", "creative")
    reports = tiktok.fake.calls_to("/gmv_max/report/get/")
    filters = [json.loads(call.params["filtering"]) for call in reports]
    assert filters == [
        {"gmv_max_promotion_types": ["PRODUCT"]},
        {"campaign_ids": [C1, C2]},
        {"campaign_ids": [C1, C2], "item_group_ids": [P1, P2]},
    ]
    videos = tiktok.fake.calls_to("/gmv_max/video/get/")
    assert [(json.loads(v.params["spu_id_list"]), v.params["page_size"]) for v in videos] == [
        ([P1, P2], "50")
    ]
    assert videos[0].params["store_authorized_bc_id"] == BC
    assert len(tiktok.api_calls("c-calls")) == 6  # + the store list and the catalog


def test_titles_of_removed_videos_come_from_one_call_for_their_product(tiktok: Harness) -> None:
    tiktok.fake.data.removed_items = {V3}
    tiktok.start()
    assert tiktok.run("c-removed", "creative") is JobStatus.SUCCESS
    assert tiktok.table("c-removed") == [HEADER, CARD, TRY_ON, UNBOXING]
    reports = tiktok.fake.calls_to("/gmv_max/report/get/")
    assert json.loads(reports[-1].params["filtering"]) == {"campaign_ids": [C2], "item_group_ids": [P2]}
    assert json.loads(reports[-1].params["metrics"]) == [
        "title",
        "tt_account_name",
        "tt_account_profile_image_url",
    ]
    assert len(reports) == 4
    assert "1 of 2 creatives are not in TikTok's video list" in tiktok.logs("c-removed")


def test_idle_creatives_are_kept_when_the_setting_is_off(tiktok: Harness) -> None:
    tiktok.start(tiktok_drop_idle_creatives=False)
    assert tiktok.run("c-all", "creative") is JobStatus.SUCCESS
    assert tiktok.table("c-all") == [HEADER, CARD, TRY_ON, IDLE, NEVER_RAN, UNBOXING]


def test_metrics_only_selection_batches_campaigns_and_products(tiktok: Harness) -> None:
    tiktok.start()
    fields = ["item_id", "campaign_id", "operation_status", "ad_video_view_rate_2s", "cost"]
    assert tiktok.run("c-batch", "creative", selected_fields=fields) is JobStatus.SUCCESS
    assert tiktok.table("c-batch") == [
        fields,
        ["-1", C1, "ENABLE", None, 3.0],
        [V1, C1, "ENABLE", 0.4, 12.5],
        [V3, C2, "DISABLE", 1.0, 10.0],
    ]
    reports = tiktok.fake.calls_to("/gmv_max/report/get/")
    assert [call.path for call in tiktok.fake.calls] == ["/gmv_max/store/list/"] + [reports[0].path] * 3
    assert json.loads(reports[-1].params["filtering"]) == {
        "campaign_ids": [C1, C2],
        "item_group_ids": [P1, P2],
    }
