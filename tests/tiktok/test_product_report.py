"""The product report end to end: runner -> real client -> fake TikTok API -> memory destination."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import httpx

from marketing_etl.models import JobStatus
from tests.tiktok import data
from tests.tiktok.conftest import TOKEN, Harness, serve
from tests.tiktok.data import ADVERTISER, C1, C2, P1, P2, P3, STORE

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
    "bid_type",
    "item_group_id",
    "stat_time_day",
    "product_name",
    "product_image_url",
    "product_status",
    "product_img",
    "orders",
    "gross_revenue",
    "cost",
    "cost_per_order",
    "roi",
    "currency",
]
HEAD = ["2026-10-01", "2026-10-02", ADVERTISER, "Ana's Ads", STORE, "Fake Shop"]
SHIRT = ["Linen Shirt", "https://img.example/p1.jpg", "AVAILABLE", '=IMAGE("https://img.example/p1.jpg")']
TOTE = ['Canvas "Tote"', "https://img.example/p2.jpg", "UNAVAILABLE", '=IMAGE("https://img.example/p2.jpg")']
MISSING = [f"(product {P3} is not in the store catalog)", None, None, None]
SPRING = [C1, "Spring Sale", "ENABLE", "CUSTOM"]


def test_every_cell_of_the_product_report(tiktok: Harness) -> None:
    tiktok.start()
    assert tiktok.run("p-1") is JobStatus.SUCCESS
    assert tiktok.table("p-1") == [
        HEADER,
        [*HEAD, *SPRING, P1, "2026-10-01", *SHIRT, 3, 89.7, 20.5, 6.83, 4.38, "USD"],
        [*HEAD, *SPRING, P1, "2026-10-02", *SHIRT, 1, 29.9, 9.1, 9.1, 3.29, "USD"],
        [*HEAD, *SPRING, P3, "2026-10-01", *MISSING, 0, 0.0, None, None, 0.0, "USD"],
        [
            *HEAD,
            C2,
            "Evergreen",
            "DISABLE",
            "NO_BID",
            P2,
            "2026-10-02",
            *TOTE,
            2,
            40.0,
            10.0,
            5.0,
            4.0,
            "USD",
        ],
    ]
    job = tiktok.job("p-1")
    assert (job.status, job.rows_written, job.progress) == (JobStatus.SUCCESS, 4, 100)


def test_product_report_makes_one_call_per_lookup_and_batches_campaigns(tiktok: Harness) -> None:
    tiktok.start()
    tiktok.run("p-calls")
    calls = tiktok.api_calls("p-calls")
    assert [c.endpoint for c in calls] == [
        "/gmv_max/store/list/",
        "/gmv_max/report/get/",
        "/store/product/get/",
        "/gmv_max/report/get/",
    ]
    assert all(c.platform == "tiktok" and c.http_status == 200 and c.error is None for c in calls)
    assert all(c.usage == {"code": 0, "attempt": 1} for c in calls)
    product_call = tiktok.fake.calls[-1].params
    assert json.loads(product_call["filtering"]) == {"campaign_ids": [C1, C2]}
    assert json.loads(product_call["dimensions"]) == ["campaign_id", "item_group_id", "stat_time_day"]
    assert product_call["page_size"] == "1000"
    assert json.loads(product_call["store_ids"]) == [STORE]


def test_selected_fields_come_in_the_users_order(tiktok: Harness) -> None:
    tiktok.start()
    fields = ["roi", "product_name", "stat_time_day", "campaign_id"]
    assert tiktok.run("p-sel", selected_fields=fields, store_name="My Store") is JobStatus.SUCCESS
    assert tiktok.table("p-sel") == [
        fields,
        [4.38, "Linen Shirt", "2026-10-01", C1],
        [3.29, "Linen Shirt", "2026-10-02", C1],
        [0.0, MISSING[0], "2026-10-01", C1],
        [4.0, 'Canvas "Tote"', "2026-10-02", C2],
    ]


def test_selection_without_product_fields_checks_the_store_and_skips_the_catalog(tiktok: Harness) -> None:
    tiktok.start()
    tiktok.run("p-lean", selected_fields=["campaign_name", "cost"])
    endpoints = [c.endpoint for c in tiktok.api_calls("p-lean")]
    assert endpoints == ["/gmv_max/store/list/", "/gmv_max/report/get/", "/gmv_max/report/get/"]
    assert tiktok.table("p-lean")[1:] == [
        ["Spring Sale", 20.5],
        ["Spring Sale", 9.1],
        ["Spring Sale", None],
        ["Evergreen", 10.0],
    ]


def test_ranges_over_30_days_are_split_and_rows_carry_their_chunk(tmp_path: Path) -> None:
    dataset = data.generated(campaigns=1, products=1, creatives=0, day=date(2026, 1, 1), days=45)
    for harness in serve(tmp_path, dataset):
        harness.start()
        status = harness.run(
            "p-45",
            start_date=date(2026, 1, 1),
            end_date=date(2026, 2, 14),
            selected_fields=["start_date", "end_date", "stat_time_day"],
        )
        assert status is JobStatus.SUCCESS, harness.job("p-45").message
        rows = harness.table("p-45")[1:]
        days = [date(2026, 1, 1).toordinal() + i for i in range(45)]
        assert [row[2] for row in rows] == [date.fromordinal(d).isoformat() for d in days]
        assert [tuple(row[:2]) for row in rows] == (
            [("2026-01-01", "2026-01-30")] * 30 + [("2026-01-31", "2026-02-14")] * 15
        )
        windows = [
            (c.params["start_date"], c.params["end_date"])
            for c in harness.fake.calls_to("/gmv_max/report/get/")
            if "stat_time_day" in c.params["dimensions"]
        ]
        assert windows == [("2026-01-01", "2026-01-30"), ("2026-01-31", "2026-02-14")]


def test_no_campaigns_gives_an_empty_report(tmp_path: Path) -> None:
    for harness in serve(tmp_path, data.generated(campaigns=0, products=0, creatives=0)):
        harness.start()
        assert harness.run("p-empty") is JobStatus.SUCCESS
        assert harness.table("p-empty") == [HEADER]


def test_the_fake_refuses_more_than_30_days_by_day(tiktok: Harness) -> None:
    """What makes the chunking test meaningful: an unsplit range is an error, as on TikTok."""
    params = {
        "advertiser_id": ADVERTISER,
        "store_ids": json.dumps([STORE]),
        "dimensions": json.dumps(["campaign_id", "item_group_id", "stat_time_day"]),
        "metrics": json.dumps(["cost"]),
        "filtering": json.dumps({"campaign_ids": [C1]}),
        "start_date": "2026-01-01",
        "end_date": "2026-01-31",
    }
    answer = httpx.get(
        f"{tiktok.base_url}/open_api/v1.3/gmv_max/report/get/", params=params, headers={"Access-Token": TOKEN}
    )
    assert answer.status_code == 200
    assert answer.json()["code"] == 40002
    assert "at most 30 days" in answer.json()["message"]
