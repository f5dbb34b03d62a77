"""The creative report: one row per creative (item_id) per campaign and product.

TikTok needs campaign_ids and item_group_ids to report creatives, so one batched product-level
call per 100 campaigns finds the (campaign, product) pairs with delivery first. Metrics then come
in calls of up to 100 campaigns x 100 products, 1,000 rows a page. Titles, account names and
pictures, which the report returns only one pair at a time, come in bulk from the store's video
list (attributes.py). With the idle filter on, pairs without cost and orders are never asked
about: none of their creatives could have any.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.contracts.report import Column
from marketing_etl.sources.tiktok.attributes import NO_POST, Attributes, creative_attributes
from marketing_etl.sources.tiktok.client import TikTokClient
from marketing_etl.sources.tiktok.dates import UNDIVIDED_MAX_DAYS, Window, windows
from marketing_etl.sources.tiktok.fields import CREATIVE_ATTRIBUTES, CREATIVE_METRICS, to_cell
from marketing_etl.sources.tiktok.parallel import map_in_threads
from marketing_etl.sources.tiktok.queries import ReportRow, batches, report
from marketing_etl.sources.tiktok.shaping import Lookups, head_cells, metric_cells, product_cells, project
from marketing_etl.sources.tiktok.totals import TikTokTotals

Pair = tuple[str, str]  # (campaign_id, item_group_id)

KEY = ("campaign_id", "item_group_id", "item_id")
METRICS = tuple(column.name for column in CREATIVE_METRICS)
VIDEO_URL = "https://www.tiktok.com/@user/video/{item_id}"
_NO_ATTRIBUTES = Attributes(None, None, None)
# TikTok's stand-in account name and picture when the token has no access to the account.
_NO_ACCOUNT = frozenset({"0", "-1"})


def creative_rows(
    ctx: JobContext,
    client: TikTokClient,
    lookups: Lookups,
    columns: list[Column],
    progress: range,
    *,
    drop_idle: bool,
    totals: TikTokTotals | None = None,
) -> Iterator[list[Any]]:
    spec = lookups.spec
    with_attributes = any(column.name in CREATIVE_ATTRIBUTES for column in columns)
    spans = windows(spec.fetch_start_date, spec.end_date, UNDIVIDED_MAX_DAYS)
    for number, window in enumerate(spans, start=1):
        pairs = _pairs(client, lookups, window, drop_idle)
        ctx.log(
            f"{len(pairs)} campaign/product pairs with creatives to read for {window.start} to {window.end}"
        )
        rows = _metrics(client, lookups, window, pairs, drop_idle, totals)
        rows.sort(key=lambda row: tuple(row.dimensions.get(name, "") for name in KEY))
        attributes = creative_attributes(ctx, client, lookups, window, rows) if with_attributes else {}
        for row in rows:
            post = attributes.get(row.dimensions.get("item_id", ""), _NO_ATTRIBUTES)
            yield project(_cells(lookups, window, row, post), columns)
        percent = progress.start + (progress.stop - progress.start) * number // len(spans)
        ctx.progress(percent, f"Fetched creatives for {window.start} to {window.end} ({number}/{len(spans)})")


def _pairs(client: TikTokClient, lookups: Lookups, window: Window, drop_idle: bool) -> list[Pair]:
    dimensions = ("campaign_id", "item_group_id")
    found: list[Pair] = []
    for batch in batches(sorted(lookups.campaigns)):
        for row in report(
            client, lookups.spec, window, dimensions, ("cost", "orders"), {"campaign_ids": batch}
        ):
            if drop_idle and _idle(row):
                continue
            found.append((row.dimensions["campaign_id"], row.dimensions["item_group_id"]))
    return sorted(set(found))


def _metrics(
    client: TikTokClient,
    lookups: Lookups,
    window: Window,
    pairs: Sequence[Pair],
    drop_idle: bool,
    totals: TikTokTotals | None,
) -> list[ReportRow]:
    products_of: dict[str, set[str]] = defaultdict(set)
    for campaign_id, item_group_id in pairs:
        products_of[campaign_id].add(item_group_id)
    queries = [
        (campaign_batch, product_batch)
        for campaign_batch in batches(sorted(products_of))
        for product_batch in batches(sorted({g for c in campaign_batch for g in products_of[c]}))
    ]
    wanted = set(pairs)

    def one(query: tuple[list[str], list[str]]) -> list[ReportRow]:
        filtering = {"campaign_ids": query[0], "item_group_ids": query[1]}
        first: dict[str, Any] = {}
        rows = report(
            client, lookups.spec, window, KEY, METRICS, filtering, None if totals is None else first.update
        )
        # A batch spans every campaign x product combination; keep only the pairs asked about.
        kept: list[ReportRow] = []
        left_out: list[ReportRow] = []
        for row in rows:
            keeps = _pair(row) in wanted and not (drop_idle and _idle(row))
            (kept if keeps else left_out).append(row)
        if totals is not None:
            totals.add_query(first, has_rows=bool(rows), left_out=[row.metrics for row in left_out])
        return kept

    return [row for rows in map_in_threads(one, queries, client.workers) for row in rows]


def _pair(row: ReportRow) -> tuple[str | None, str | None]:
    return row.dimensions.get("campaign_id"), row.dimensions.get("item_group_id")


def _idle(row: ReportRow) -> bool:
    return to_cell("money", row.metrics.get("cost")) in (None, 0) and to_cell(
        "integer", row.metrics.get("orders")
    ) in (None, 0)


def _cells(lookups: Lookups, window: Window, row: ReportRow, post: Attributes) -> dict[str, Any]:
    dims, metrics = row.dimensions, row.metrics
    item_id = dims.get("item_id", "")
    return {
        **head_cells(lookups, window, dims.get("campaign_id", "")),
        **product_cells(lookups, dims.get("item_group_id", "")),
        "item_id": item_id or None,
        "video_url": None if item_id in NO_POST else VIDEO_URL.format(item_id=item_id),
        "title": to_cell("text", post.title),
        "tt_account_name": _account(post.account_name),
        "tt_account_profile_image_url": _account(post.profile_image_url),
        **metric_cells(CREATIVE_METRICS, metrics),
    }


def _account(value: object) -> Any:
    cell = to_cell("text", value)
    return None if cell in _NO_ACCOUNT else cell
