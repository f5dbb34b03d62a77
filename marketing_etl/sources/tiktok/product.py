"""The product report: one row per (campaign, product, day).

Campaigns go into the report filter up to 100 at a time; asking for several campaigns means the
report cannot return names, so product and campaign attributes come from the job's lookups.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.contracts.report import Column
from marketing_etl.sources.tiktok.client import TikTokClient
from marketing_etl.sources.tiktok.dates import DAILY_MAX_DAYS, Window, windows
from marketing_etl.sources.tiktok.fields import PRODUCT_METRICS
from marketing_etl.sources.tiktok.queries import ReportRow, batches, report
from marketing_etl.sources.tiktok.shaping import Lookups, head_cells, metric_cells, product_cells, project
from marketing_etl.sources.tiktok.totals import TikTokTotals

DIMENSIONS = ("campaign_id", "item_group_id", "stat_time_day")
METRICS = tuple(column.name for column in PRODUCT_METRICS)


def product_rows(
    ctx: JobContext,
    client: TikTokClient,
    lookups: Lookups,
    columns: list[Column],
    progress: range,
    totals: TikTokTotals | None = None,
) -> Iterator[list[Any]]:
    spec = lookups.spec
    campaign_ids = sorted(lookups.campaigns)
    spans = windows(spec.fetch_start_date, spec.end_date, DAILY_MAX_DAYS)
    for number, window in enumerate(spans, start=1):
        rows: list[ReportRow] = []
        for batch in batches(campaign_ids):
            rows += report(
                client,
                spec,
                window,
                DIMENSIONS,
                METRICS,
                {"campaign_ids": batch},
                None if totals is None else totals.add,
            )
        rows.sort(key=lambda row: tuple(row.dimensions.get(name, "") for name in DIMENSIONS))
        for row in rows:
            yield project(_cells(lookups, window, row), columns)
        percent = progress.start + (progress.stop - progress.start) * number // len(spans)
        ctx.progress(percent, f"Fetched products for {window.start} to {window.end} ({number}/{len(spans)})")


def _cells(lookups: Lookups, window: Window, row: ReportRow) -> dict[str, Any]:
    dims = row.dimensions
    day = dims.get("stat_time_day", "")[:10] or None
    return {
        **head_cells(lookups, window, dims.get("campaign_id", "")),
        **product_cells(lookups, dims.get("item_group_id", "")),
        "stat_time_day": day,
        **metric_cells(PRODUCT_METRICS, row.metrics),
    }
