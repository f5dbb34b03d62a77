"""The totals check on TikTok creative jobs: the creative queries' own total_metrics, less the
rows the report leaves out on purpose, against the sums of the numbers written to the tab
(runner -> real client -> fake TikTok API over HTTP -> memory destination)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from marketing_etl.contracts.totals import TotalsOutcome
from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.tiktok_data import Creative, Dataset
from tests.tiktok import data
from tests.tiktok.conftest import Harness, serve

FIELDS = [
    "advertiser_id",
    "campaign_id",
    "item_group_id",
    "item_id",
    "cost",
    "orders",
    "gross_revenue",
    "roi",
]
COMPARED = ("cost", "orders", "gross_revenue")
# A creative of C2 x P1, a pair without product delivery: creative queries of the batch C1+C2 x
# P1+P2 still return it and count it in total_metrics, but the report does not cover that pair.
STRAY = Creative(
    data.C2,
    data.P1,
    "7300000000000000077",
    data.OCT2,
    {"cost": "4.00", "orders": "1", "gross_revenue": "15.00", "cost_per_order": "4.00", "roi": "3.75"},
)


def dataset() -> Dataset:
    world = data.small()
    world.creatives.append(STRAY)
    return world


@pytest.fixture
def tiktok(tmp_path: Path) -> Iterator[Harness]:
    yield from serve(tmp_path, dataset())


def run(tiktok: Harness, job_id: str, *, totals_check: bool = True) -> JobStatus | None:
    tiktok.start(totals_check=totals_check)
    return tiktok.run(job_id, task="creative", selected_fields=FIELDS)


def sheet_sums(tiktok: Harness, job_id: str) -> dict[str, Decimal]:
    header, *rows = tiktok.table(job_id)
    return {m: sum((Decimal(str(row[header.index(m)] or 0)) for row in rows), Decimal(0)) for m in COMPARED}


def creative_calls(tiktok: Harness) -> list[dict[str, str]]:
    return [
        c.params for c in tiktok.fake.calls_to("/gmv_max/report/get/") if "item_id" in c.params["dimensions"]
    ]


def test_creative_totals_match_the_sheet_with_left_out_rows_explained(tiktok: Harness) -> None:
    assert run(tiktok, "c-totals") is JobStatus.SUCCESS

    header, *rows = tiktok.table("c-totals")
    assert STRAY.item_id not in {row[header.index("item_id")] for row in rows}
    check = tiktok.services.store.totals_checks.get("c-totals") if tiktok.services else None
    assert check is not None and check.outcome is TotalsOutcome.MATCH
    # small(): V1 12.50 + product card 3.00 + V3 10.00; the idle V2 and STRAY are left out (C1/P3,
    # an idle pair, is never asked about).
    written = sheet_sums(tiktok, "c-totals")
    assert written == {"cost": Decimal("25.5"), "orders": Decimal(4), "gross_revenue": Decimal("99.8")}
    assert {c.metric: (c.platform_total, c.report_total) for c in check.comparisons} == {
        m: (written[m], written[m]) for m in COMPARED
    }
    assert {c.account for c in check.comparisons} == {data.ADVERTISER}
    assert all(not c.note for c in check.comparisons)
    assert len(check.notes) == 1 and "2 creative rows" in check.notes[0] and "cost 4.00" in check.notes[0]
    asked = creative_calls(tiktok)
    assert asked and all(p.get("enable_total_metrics") == "true" for p in asked)


def test_creative_mismatch_warns_and_totals_check_off_asks_for_none(tiktok: Harness) -> None:
    tiktok.fake.data.totals_differ = True  # what SANDBOX_MISMATCH serves
    assert run(tiktok, "c-differs") is JobStatus.SUCCESS
    message = tiktok.job("c-differs").message
    assert f"Totals check: cost for {data.ADVERTISER} is 25.50 in the report and " in message
    check = tiktok.services.store.totals_checks.get("c-differs") if tiktok.services else None
    assert check is not None and check.outcome is TotalsOutcome.MISMATCH
    assert [m.metric for m in check.mismatches] == ["cost"]

    calls_before = len(creative_calls(tiktok))
    assert run(tiktok, "c-off", totals_check=False) is JobStatus.SUCCESS
    assert tiktok.services is not None and tiktok.services.store.totals_checks.get("c-off") is None
    assert all("enable_total_metrics" not in p for p in creative_calls(tiktok)[calls_before:])
