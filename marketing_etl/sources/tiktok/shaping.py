"""Turning TikTok report rows plus the job's lookups into cells, by column name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marketing_etl.contracts.report import Column
from marketing_etl.job_spec import JobSpec
from marketing_etl.sources.tiktok.dates import Window
from marketing_etl.sources.tiktok.fields import image_formula, to_cell
from marketing_etl.sources.tiktok.queries import Campaign, Product, Store

_NO_CAMPAIGN = Campaign(None, None, None)


@dataclass(frozen=True)
class Lookups:
    """What one job reads once and every row refers to."""

    spec: JobSpec
    store: Store
    campaigns: Mapping[str, Campaign]
    catalog: Mapping[str, Product] | None  # None when no product column was asked for


def missing_product_name(item_group_id: str) -> str:
    return f"(product {item_group_id} is not in the store catalog)"


def head_cells(lookups: Lookups, window: Window, campaign_id: str) -> dict[str, Any]:
    spec = lookups.spec
    campaign = lookups.campaigns.get(campaign_id, _NO_CAMPAIGN)
    return {
        "start_date": window.start.isoformat(),
        "end_date": window.end.isoformat(),
        "advertiser_id": spec.advertiser_id,
        "advertiser_name": spec.advertiser_name or None,
        "store_id": spec.store_id,
        "store_name": spec.store_name or lookups.store.name,
        "campaign_id": campaign_id,
        "campaign_name": campaign.name,
        "operation_status": campaign.operation_status,
        "bid_type": campaign.bid_type,
    }


def product_cells(lookups: Lookups, item_group_id: str) -> dict[str, Any]:
    cells: dict[str, Any] = {"item_group_id": item_group_id}
    if lookups.catalog is None:
        return cells
    product = lookups.catalog.get(item_group_id)
    if product is None:
        cells["product_name"] = missing_product_name(item_group_id)
        return cells
    cells.update(
        product_name=product.name,
        product_image_url=product.image_url,
        product_status=product.status,
        product_img=image_formula(product.image_url),
    )
    return cells


def metric_cells(metric_columns: Iterable[Column], metrics: Mapping[str, Any]) -> dict[str, Any]:
    cells = {column.name: to_cell(column.kind, metrics.get(column.name)) for column in metric_columns}
    cells["currency"] = to_cell("text", metrics.get("currency"))
    return cells


def project(cells: Mapping[str, Any], columns: Sequence[Column]) -> list[Any]:
    return [cells.get(column.name) for column in columns]
