"""The TikTok reads both reports share: the report endpoint, the store, campaigns and catalog."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marketing_etl.errors import UserError
from marketing_etl.job_spec import JobSpec
from marketing_etl.sources.tiktok.client import MAX_FILTER_IDS, REPORT_PATH, TikTokClient
from marketing_etl.sources.tiktok.dates import UNDIVIDED_MAX_DAYS, Window, windows

STORE_LIST_PATH = "/gmv_max/store/list/"
CATALOG_PATH = "/store/product/get/"
CATALOG_PAGE_SIZE = 100
CAMPAIGN_ATTRIBUTES = ("campaign_name", "operation_status", "bid_type")


@dataclass(frozen=True)
class Store:
    store_id: str
    name: str | None
    bc_id: str | None


@dataclass(frozen=True)
class Campaign:
    name: str | None
    operation_status: str | None
    bid_type: str | None


@dataclass(frozen=True)
class Product:
    name: str | None
    image_url: str | None
    status: str | None


@dataclass(frozen=True)
class ReportRow:
    dimensions: Mapping[str, str]
    metrics: Mapping[str, Any]


def report(
    client: TikTokClient,
    spec: JobSpec,
    window: Window,
    dimensions: Sequence[str],
    metrics: Sequence[str],
    filtering: Mapping[str, object],
    totals: Callable[[Mapping[str, Any]], None] | None = None,
) -> list[ReportRow]:
    """Every row of one GMV Max report query, all pages. A row repeated across pages (TikTok
    pages an unsorted result) is kept once. `totals`: asks for total_metrics and receives the
    first page's data (the totals check)."""
    params: dict[str, object] = {
        "advertiser_id": spec.advertiser_id,
        "store_ids": [spec.store_id],
        "dimensions": list(dimensions),
        "metrics": list(metrics),
        "filtering": dict(filtering),
        **window.params(),
    }
    if totals is not None:
        params["enable_total_metrics"] = True
    items = client.pages(REPORT_PATH, params, on_first=totals)
    unique: dict[tuple[str, ...], ReportRow] = {}
    for item in items:
        dims = {name: str(value) for name, value in (item.get("dimensions") or {}).items()}
        key = tuple(dims.get(name, "") for name in dimensions)
        unique[key] = ReportRow(dims, item.get("metrics") or {})
    return list(unique.values())


def find_store(client: TikTokClient, spec: JobSpec) -> Store:
    data = client.get(STORE_LIST_PATH, {"advertiser_id": spec.advertiser_id})
    for entry in data.get("store_list") or []:
        if str(entry.get("store_id")) != spec.store_id:
            continue
        if entry.get("is_gmv_max_available") is False:
            raise UserError(
                f"Store {spec.store_id} cannot run GMV Max campaigns (TikTok lists it with "
                f"is_gmv_max_available false for advertiser {spec.advertiser_id}), so it has no GMV "
                "Max report; check store_id, or make the store eligible in TikTok Seller Center."
            )
        bc_id = entry.get("store_authorized_bc_id")
        return Store(spec.store_id, _text(entry.get("store_name")), str(bc_id) if bc_id else None)
    raise UserError(
        f"Store {spec.store_id} is not linked to advertiser {spec.advertiser_id} for GMV Max; "
        "check advertiser_id and store_id."
    )


def list_campaigns(client: TikTokClient, spec: JobSpec) -> dict[str, Campaign]:
    """Product GMV Max campaigns with data in the job's range, by campaign id. The campaign-level
    report carries name, operation status and bid type in one call per year of range."""
    campaigns: dict[str, Campaign] = {}
    for window in windows(spec.fetch_start_date, spec.end_date, UNDIVIDED_MAX_DAYS):
        rows = report(
            client,
            spec,
            window,
            ["campaign_id"],
            CAMPAIGN_ATTRIBUTES,
            {"gmv_max_promotion_types": ["PRODUCT"]},
        )
        for row in rows:
            campaign_id = row.dimensions.get("campaign_id")
            if campaign_id:
                campaigns[campaign_id] = Campaign(
                    *(_text(row.metrics.get(name)) for name in CAMPAIGN_ATTRIBUTES)
                )
    return campaigns


def load_catalog(client: TikTokClient, spec: JobSpec, store: Store) -> dict[str, Product]:
    """The store's GMV Max products by item_group_id, read once per job."""
    params: dict[str, object] = {
        "advertiser_id": spec.advertiser_id,
        "store_id": spec.store_id,
        "filtering": {"ad_creation_eligible": "GMV_MAX"},
    }
    if store.bc_id:
        params["bc_id"] = store.bc_id
    items = client.pages(CATALOG_PATH, params, list_key="store_products", page_size=CATALOG_PAGE_SIZE)
    return {
        str(item["item_group_id"]): Product(
            _text(item.get("title")), _text(item.get("product_image_url")), _text(item.get("status"))
        )
        for item in items
        if item.get("item_group_id")
    }


def batches(ids: Sequence[str], size: int = MAX_FILTER_IDS) -> list[list[str]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text if text and text != "-" else None
