"""Titles and accounts in bulk from the video list write the same cells as one report call per
(campaign, product) pair, on the same simulated store."""

from __future__ import annotations

import json
from pathlib import Path

from marketing_etl.models import JobStatus
from tests.tiktok import data
from tests.tiktok.conftest import serve

REPORT, VIDEOS = "/gmv_max/report/get/", "/gmv_max/video/get/"
TITLE, ACCOUNT, PICTURE = 15, 16, 17  # columns of the full creative report


def test_bulk_titles_write_the_same_cells_as_one_call_per_pair(tmp_path: Path) -> None:
    dataset = data.varied()
    removed = next(iter(dataset.removed_items))
    for harness in serve(tmp_path, dataset):
        harness.start(tiktok_drop_idle_creatives=False)
        assert harness.run("bulk", "creative") is JobStatus.SUCCESS, harness.job("bulk").message
        bulk = harness.fake.calls_to(REPORT)
        bulk_reports = len(bulk)
        # The same store with an empty video list: every title comes from the per-pair call.
        dataset.removed_items = {c.item_id for c in dataset.creatives}
        assert harness.run("per-pair", "creative") is JobStatus.SUCCESS
        per_pair_reports = len(harness.fake.calls_to(REPORT)) - bulk_reports

        table = harness.table("bulk")
        assert table == harness.table("per-pair")
        by_item = {row[13]: row for row in table[1:]}
        assert len(table) == 1 + 3 * 4 * 3 - 3 - 2  # less the creative-less product, 2 of 3 card-only
        assert by_item[removed][TITLE] == f"Clip {removed[-8:]}"
        assert by_item[removed][ACCOUNT] == "Acct"
        assert [by_item["-1"][i] for i in (TITLE, ACCOUNT, PICTURE)] == [None, None, None]
        hidden = [row for row in table[1:] if row[9] == dataset.catalog[6].item_group_id]
        assert [(row[TITLE] is not None, row[ACCOUNT], row[PICTURE]) for row in hidden] == [
            (True, None, None)
        ] * 3

        # campaigns, pairs, metrics, and one attribute call for the removed video's product
        assert bulk_reports == 4
        assert json.loads(bulk[-1].params["filtering"])["item_group_ids"] == [
            dataset.creatives[-1].item_group_id
        ]
        # Every product with a post (12 products less the card-only and the creative-less one).
        assert per_pair_reports == 3 + 10
        assert len(harness.fake.calls_to(VIDEOS)) == 2
