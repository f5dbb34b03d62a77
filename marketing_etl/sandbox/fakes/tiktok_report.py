"""The fake's /gmv_max/report/get/: the checks TikTok makes and the rows of each report level.

It checks what TikTok checks (dimensions per level, date range per time dimension, required
filters per level, at most 100 ids per filter, no attribute metrics with several ids, no
promotion-type filter below campaign level) and reports campaigns, products and creatives.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marketing_etl.sandbox.fakes.tiktok_data import Dataset
from marketing_etl.sandbox.fakes.tiktok_wire import ApiError, Query

TIME_DIMENSIONS = {"stat_time_day", "stat_time_hour"}
ID_DIMENSIONS = {"advertiser_id", "campaign_id", "item_group_id", "item_id", "room_id"}
CAMPAIGN_ATTRIBUTES = {"campaign_name", "operation_status", "bid_type"}
PRODUCT_ATTRIBUTES = {"product_name", "product_image_url", "product_status"}
CREATIVE_ATTRIBUTES = {"title", "tt_account_name", "tt_account_profile_image_url"}
PERFORMANCE = {"cost", "orders", "cost_per_order", "gross_revenue", "roi"}
CREATIVE_PERFORMANCE = PERFORMANCE | {
    "product_impressions", "product_clicks", "product_click_rate", "ad_click_rate", "ad_conversion_rate",
    "creative_delivery_status", "ad_video_view_rate_2s", "ad_video_view_rate_6s", "ad_video_view_rate_p25",
    "ad_video_view_rate_p50", "ad_video_view_rate_p75", "ad_video_view_rate_p100",
}  # fmt: skip
SUMMABLE = {"cost": "money", "gross_revenue": "money", "orders": "count"}
_LEVELS = {  # level: (allowed metrics, required filters)
    "creative": (CREATIVE_PERFORMANCE | CREATIVE_ATTRIBUTES, ("campaign_ids", "item_group_ids")),
    "product": (PERFORMANCE | PRODUCT_ATTRIBUTES, ("campaign_ids",)),
    "campaign": (PERFORMANCE | CAMPAIGN_ATTRIBUTES, ()),
}


def report_rows(data: Dataset, query: Query) -> list[Any]:
    """Every row the query asks for, unpaged."""
    stores = query.json("store_ids")
    if not isinstance(stores, list) or len(stores) != 1:
        raise ApiError(40002, "store_ids: exactly 1 store id is allowed")
    if stores[0] != data.store_id:
        raise ApiError(40002, f"Store {stores[0]} is not available for GMV Max")
    ask = _Ask(
        data,
        query.json("dimensions"),
        query.json("metrics"),
        query.json("filtering", default={}),
        query.date("start_date"),
        query.date("end_date"),
    )
    level = _check(ask)
    if not data.gmv_max_available:
        return []  # TikTok accepts the call and reports nothing
    rows: list[Any] = getattr(ask, f"{level}_rows")()
    return rows


@dataclass
class _Ask:
    data: Dataset
    dims: Any
    metrics: Any
    filtering: Any
    start: Any
    end: Any

    def matches(self, campaign_id: str, item_group_id: str, item_id: str | None = None) -> bool:
        f = self.filtering
        checks = [("campaign_ids", campaign_id), ("item_group_ids", item_group_id), ("item_ids", item_id)]
        return all(not f.get(name) or value in f[name] for name, value in checks)

    def campaign_rows(self) -> list[Any]:
        rows = []
        for c in self.data.campaigns:
            values = {"campaign_name": c.name, "operation_status": c.operation_status, "bid_type": c.bid_type}
            rows.append(self.row({"campaign_id": c.campaign_id}, values))
        return rows

    def product_rows(self) -> list[Any]:
        totals: dict[tuple[str, ...], tuple[dict[str, str], dict[str, str]]] = {}
        for entry in self.data.product_days:
            if not (
                self.start <= entry.day <= self.end and self.matches(entry.campaign_id, entry.item_group_id)
            ):
                continue
            keys = {
                "campaign_id": entry.campaign_id,
                "item_group_id": entry.item_group_id,
                "stat_time_day": f"{entry.day.isoformat()} 00:00:00",
            }
            key = tuple(keys[d] for d in self.dims)
            if "stat_time_day" in self.dims:
                totals[key] = (keys, dict(entry.metrics))
            else:
                _add(totals.setdefault(key, (keys, {}))[1], entry.metrics)
        return [self.row(keys, values) for keys, values in totals.values()]

    def creative_rows(self) -> list[Any]:
        return [
            self.row(
                {"campaign_id": c.campaign_id, "item_group_id": c.item_group_id, "item_id": c.item_id},
                c.metrics,
            )
            for c in self.data.creatives
            if self.start <= c.day <= self.end and self.matches(c.campaign_id, c.item_group_id, c.item_id)
        ]

    def row(self, keys: dict[str, str], values: dict[str, str]) -> Any:
        shown = {m: str(values.get(m, "-")) for m in self.metrics}
        shown["currency"] = self.data.currency  # sent although nobody asked, as TikTok does
        return {"dimensions": {d: keys[d] for d in self.dims}, "metrics": shown}


def total_metrics(rows: list[Any], metrics: list[str], differ: bool) -> dict[str, str]:
    """data.total_metrics of an enable_total_metrics query: its additive metrics over every
    row of every page, as strings ("-" rows count nothing); `differ`: 5 % more cost."""
    total: dict[str, Any] = {}
    for row in rows:
        _add(total, row["metrics"])
    if differ and "cost" in total:
        total["cost"] = f"{Decimal(total['cost']) * Decimal('1.05'):.2f}"
    return {name: str(total.get(name, "0")) for name in metrics if name in SUMMABLE}


def _check(ask: _Ask) -> str:
    dims, metrics, f = ask.dims, ask.metrics, ask.filtering
    if not isinstance(dims, list) or not isinstance(metrics, list) or not isinstance(f, dict):
        raise ApiError(40002, "dimensions and metrics must be JSON arrays, filtering a JSON object")
    ids = [d for d in dims if d in ID_DIMENSIONS]
    times = [d for d in dims if d in TIME_DIMENSIONS]
    if len(ids) + len(times) != len(dims) or not ids or len(dims) > 3 or len(times) > 1:
        raise ApiError(40002, "GMV Max Report must have 1-3 main dimensions and at most one time dimension")
    limit = 30 if "stat_time_day" in times else 1 if times else 365
    if ask.start > ask.end or (ask.end - ask.start).days + 1 > limit:
        raise ApiError(40002, f"end_date: the date range may be at most {limit} days for these dimensions")
    for name in ("campaign_ids", "item_group_ids", "item_ids"):
        if len(f.get(name) or []) > 100:
            raise ApiError(40002, f"filtering.{name}: max size 100")
    several = len(f.get("campaign_ids") or []) > 1 or len(f.get("item_group_ids") or []) > 1
    if several and (CAMPAIGN_ATTRIBUTES | PRODUCT_ATTRIBUTES | CREATIVE_ATTRIBUTES) & set(metrics):
        raise ApiError(40002, "Attribute metrics are not supported when filtering by multiple IDs")
    level = "creative" if "item_id" in ids else "product" if "item_group_id" in ids else "campaign"
    allowed, needs = _LEVELS[level]
    if level != "campaign" and "gmv_max_promotion_types" in f:
        raise ApiError(40002, "gmv_max_promotion_types is not supported at this level")
    if level == "campaign" and f.get("gmv_max_promotion_types") != ["PRODUCT"]:
        raise ApiError(40002, "Missing required field(s): filtering.gmv_max_promotion_types")
    for name in needs:
        if not f.get(name):
            raise ApiError(40002, f"Missing required field(s): filtering.{name}")
    unknown = [m for m in metrics if m not in allowed]
    if unknown:
        raise ApiError(40002, f"Invalid metric(s) for this level: {', '.join(unknown)}")
    return level


def _add(total: dict[str, Any], metrics: dict[str, str]) -> None:
    for name, kind in SUMMABLE.items():
        if metrics.get(name, "-") == "-":
            continue
        value = Decimal(metrics[name])
        current = Decimal(total.get(name, "0"))
        total[name] = f"{current + value:.2f}" if kind == "money" else str(int(current + value))
