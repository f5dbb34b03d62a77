"""The totals check on TikTok product jobs: the report calls' own total_metrics against the sums
of the rows, through the fake TikTok API (runner -> real client -> fake -> memory destination)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from marketing_etl.contracts.totals import TotalsOutcome
from marketing_etl.models import JobStatus
from tests.tiktok import data
from tests.tiktok.conftest import Harness, serve

FIELDS = [
    "advertiser_id",
    "campaign_id",
    "item_group_id",
    "stat_time_day",
    "cost",
    "orders",
    "gross_revenue",
    "roi",
]
COMPARED = ("cost", "orders", "gross_revenue")


@pytest.fixture
def tiktok(tmp_path: Path) -> Iterator[Harness]:
    # Two 30-day windows, so the job's total adds up several answers' total_metrics.
    dataset = data.generated(campaigns=2, products=3, creatives=0, day=date(2026, 1, 1), days=40)
    yield from serve(tmp_path, dataset)


def run(tiktok: Harness, job_id: str, *, totals_check: bool = True) -> JobStatus | None:
    tiktok.start(totals_check=totals_check)
    return tiktok.run(job_id, start_date=date(2026, 1, 1), end_date=date(2026, 2, 9), selected_fields=FIELDS)


def sums(tiktok: Harness, job_id: str) -> dict[str, Decimal]:
    header, *rows = tiktok.table(job_id)
    return {m: sum((Decimal(str(row[header.index(m)] or 0)) for row in rows), Decimal(0)) for m in COMPARED}


def report_calls(tiktok: Harness) -> list[dict[str, str]]:
    return [c.params for c in tiktok.fake.calls_to("/gmv_max/report/get/")]


def test_product_totals_match_the_rows_at_no_extra_call(tiktok: Harness) -> None:
    assert run(tiktok, "p-totals") is JobStatus.SUCCESS

    check = tiktok.services.store.totals_checks.get("p-totals") if tiktok.services else None
    assert check is not None and check.outcome is TotalsOutcome.MATCH
    expected = sums(tiktok, "p-totals")
    assert expected["cost"] > 0 and expected["orders"] > 0
    assert {c.metric: (c.platform_total, c.report_total) for c in check.comparisons} == {
        m: (expected[m], expected[m]) for m in COMPARED
    }
    assert {c.account for c in check.comparisons} == {tiktok.fake.data.advertiser_id}
    asked = [p for p in report_calls(tiktok) if "stat_time_day" in p["dimensions"]]
    assert len(asked) == 2 and all(p.get("enable_total_metrics") == "true" for p in asked)


def test_a_differing_total_is_flagged_and_totals_check_off_asks_for_none(tiktok: Harness) -> None:
    tiktok.fake.data.totals_differ = True
    assert run(tiktok, "p-differs") is JobStatus.SUCCESS
    message = tiktok.job("p-differs").message
    advertiser = tiktok.fake.data.advertiser_id
    assert f"Totals check: cost for {advertiser} is " in message and "on TikTok (-4.8 %)" in message

    calls_before = len(report_calls(tiktok))
    assert run(tiktok, "p-off", totals_check=False) is JobStatus.SUCCESS
    assert tiktok.services is not None and tiktok.services.store.totals_checks.get("p-off") is None
    assert all("enable_total_metrics" not in p for p in report_calls(tiktok)[calls_before:])
