"""A fake TikTok API for Business (GMV Max reads) over real HTTP, serving a fixed data set.

Behaves as the reference describes: everything is HTTP 200 with a {code, message, request_id,
data} envelope; list and object parameters arrive JSON-encoded in the query string; the token
comes in the Access-Token header. It checks what TikTok checks (store_ids has one id, page_size
<= 1000, date range per time dimension, required filters per report level, at most 100 ids per
filter, no attribute metrics with several ids, no promotion-type filter below campaign level) and
pages by page_info. Tests can queue error answers (throttling, TikTok faults), clamp pages
below page_size (as TikTok sometimes does), and add latency. Every request is kept in `calls`.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

PREFIX = "/open_api/v1.3"
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


class ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Campaign:
    campaign_id: str
    name: str
    operation_status: str
    bid_type: str


@dataclass
class Product:
    item_group_id: str
    title: str
    image_url: str
    status: str


@dataclass
class ProductDay:
    campaign_id: str
    item_group_id: str
    day: date
    metrics: dict[str, str]


@dataclass
class Creative:
    campaign_id: str
    item_group_id: str
    item_id: str
    day: date  # the one day it delivered: keeps range totals trivial to state in tests
    metrics: dict[str, str]  # attributes and performance, as TikTok's strings


@dataclass
class Dataset:
    advertiser_id: str
    store_id: str
    store_name: str
    bc_id: str
    currency: str = "USD"
    campaigns: list[Campaign] = field(default_factory=list)
    catalog: list[Product] = field(default_factory=list)
    product_days: list[ProductDay] = field(default_factory=list)
    creatives: list[Creative] = field(default_factory=list)


@dataclass
class Call:
    path: str
    params: dict[str, Any]


class FakeTikTok:
    def __init__(self, data: Dataset, token: str, *, latency_s: float = 0.0) -> None:
        self.data = data
        self.token = token
        self.latency_s = latency_s
        self.clamp_page_size: int | None = None
        self.calls: list[Call] = []
        self._queued: deque[tuple[int, str]] = deque()
        routes = [
            Route(PREFIX + "/gmv_max/report/get/", self._endpoint(self._report)),
            Route(PREFIX + "/gmv_max/store/list/", self._endpoint(self._stores)),
            Route(PREFIX + "/store/product/get/", self._endpoint(self._catalog)),
        ]
        self.app = Starlette(routes=routes)

    def fail_next(self, times: int, code: int, message: str = "Too many requests") -> None:
        """The next `times` authenticated calls answer with this error code instead."""
        self._queued.extend([(code, message)] * times)

    def calls_to(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == path]

    def _endpoint(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> JSONResponse:
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
            params = dict(request.query_params)
            path = request.url.path.removeprefix(PREFIX)
            self.calls.append(Call(path, params))
            try:
                self._authenticate(request)
                if self._queued:
                    raise ApiError(*self._queued.popleft())
                data = handler(_Query(params))
            except ApiError as error:
                return _envelope(error.code, error.message, {})
            return _envelope(0, "OK", data)

        return endpoint

    def _authenticate(self, request: Request) -> None:
        token = request.headers.get("Access-Token")
        if not token:
            raise ApiError(
                40104, "Access token is null, you should set it in http header with key Access-Token"
            )
        if token != self.token:
            raise ApiError(40105, "The access token is invalid or has been revoked.")

    def _stores(self, query: _Query) -> dict[str, Any]:
        self._check_advertiser(query)
        store = {
            "store_id": self.data.store_id,
            "store_name": self.data.store_name,
            "is_gmv_max_available": True,
            "store_authorized_bc_id": self.data.bc_id,
        }
        other = {"store_id": "7000000000000000999", "store_name": "Other", "is_gmv_max_available": False}
        return {"store_list": [store, other, dict(store)]}  # TikTok sometimes lists a store twice

    def _catalog(self, query: _Query) -> dict[str, Any]:
        self._check_advertiser(query)
        if query.text("store_id") != self.data.store_id or query.text("bc_id") != self.data.bc_id:
            raise ApiError(40002, "store_id or bc_id does not match an authorized store")
        products = [
            {
                "item_group_id": p.item_group_id,
                "title": p.title,
                "product_image_url": p.image_url,
                "status": p.status,
            }
            for p in self.data.catalog
        ]
        return self._page(query, products, "store_products", max_page_size=100)

    def _check_advertiser(self, query: _Query) -> None:
        if query.text("advertiser_id") != self.data.advertiser_id:
            raise ApiError(40001, "No permission to operate advertiser")

    def _report(self, query: _Query) -> dict[str, Any]:
        self._check_advertiser(query)
        stores = query.json("store_ids")
        if not isinstance(stores, list) or len(stores) != 1:
            raise ApiError(40002, "store_ids: exactly 1 store id is allowed")
        if stores[0] != self.data.store_id:
            raise ApiError(40002, f"Store {stores[0]} is not available for GMV Max")
        ask = _Ask(
            query.json("dimensions"),
            query.json("metrics"),
            query.json("filtering", default={}),
            query.date("start_date"),
            query.date("end_date"),
        )
        rows = getattr(self, f"_{_check_report(ask)}_rows")(ask)
        return self._page(query, rows, "list", max_page_size=1000)

    def _campaign_rows(self, ask: _Ask) -> list[Any]:
        rows = []
        for c in self.data.campaigns:
            values = {"campaign_name": c.name, "operation_status": c.operation_status, "bid_type": c.bid_type}
            rows.append(self._row({"campaign_id": c.campaign_id}, ask, values))
        return rows

    def _product_rows(self, ask: _Ask) -> list[Any]:
        totals: dict[tuple[str, ...], tuple[dict[str, str], dict[str, str]]] = {}
        for entry in self.data.product_days:
            if not (
                ask.start <= entry.day <= ask.end and ask.matches(entry.campaign_id, entry.item_group_id)
            ):
                continue
            keys = {
                "campaign_id": entry.campaign_id,
                "item_group_id": entry.item_group_id,
                "stat_time_day": f"{entry.day.isoformat()} 00:00:00",
            }
            key = tuple(keys[d] for d in ask.dims)
            if "stat_time_day" in ask.dims:
                totals[key] = (keys, dict(entry.metrics))
            else:
                _add(totals.setdefault(key, (keys, {}))[1], entry.metrics)
        return [self._row(keys, ask, values) for keys, values in totals.values()]

    def _creative_rows(self, ask: _Ask) -> list[Any]:
        return [
            self._row(
                {"campaign_id": c.campaign_id, "item_group_id": c.item_group_id, "item_id": c.item_id},
                ask,
                c.metrics,
            )
            for c in self.data.creatives
            if ask.start <= c.day <= ask.end and ask.matches(c.campaign_id, c.item_group_id, c.item_id)
        ]

    def _row(self, keys: dict[str, str], ask: _Ask, values: dict[str, str]) -> Any:
        shown = {m: str(values.get(m, "-")) for m in ask.metrics}
        shown["currency"] = self.data.currency  # sent although nobody asked, as TikTok does
        return {"dimensions": {d: keys[d] for d in ask.dims}, "metrics": shown}

    def _page(self, query: _Query, items: list[Any], key: str, *, max_page_size: int) -> dict[str, Any]:
        page, size = query.integer("page", 1), query.integer("page_size", 10)
        if page < 1 or not 1 <= size <= max_page_size:
            raise ApiError(40002, f"page must be >= 1 and page_size between 1 and {max_page_size}")
        served = min(size, self.clamp_page_size or size)
        total_pages = math.ceil(len(items) / served)
        chunk = items[(page - 1) * served : page * served]
        info = {"page": page, "page_size": size, "total_number": len(items), "total_page": total_pages}
        return {key: chunk, "page_info": info}


@dataclass
class _Ask:
    dims: Any
    metrics: Any
    filtering: Any
    start: date
    end: date

    def matches(self, campaign_id: str, item_group_id: str, item_id: str | None = None) -> bool:
        f = self.filtering
        checks = [("campaign_ids", campaign_id), ("item_group_ids", item_group_id), ("item_ids", item_id)]
        return all(not f.get(name) or value in f[name] for name, value in checks)


_LEVELS = {  # level: (allowed metrics, required filters)
    "creative": (CREATIVE_PERFORMANCE | CREATIVE_ATTRIBUTES, ("campaign_ids", "item_group_ids")),
    "product": (PERFORMANCE | PRODUCT_ATTRIBUTES, ("campaign_ids",)),
    "campaign": (PERFORMANCE | CAMPAIGN_ATTRIBUTES, ()),
}


def _check_report(ask: _Ask) -> str:
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


def _envelope(code: int, message: str, data: dict[str, Any]) -> JSONResponse:
    body = {"code": code, "message": message, "request_id": "20261001000000FAKE", "data": data}
    return JSONResponse(body)


class _Query:
    def __init__(self, params: dict[str, str]) -> None:
        self._params = params

    def text(self, name: str) -> str:
        value = self._params.get(name)
        if value is None:
            raise ApiError(40002, f"Missing required field(s): {name}")
        return value

    def json(self, name: str, default: Any = None) -> Any:
        if name not in self._params and default is not None:
            return default
        try:
            return json.loads(self.text(name))
        except json.JSONDecodeError as error:
            raise ApiError(40002, f"{name}: invalid JSON") from error

    def date(self, name: str) -> date:
        try:
            return date.fromisoformat(self.text(name))
        except ValueError as error:
            raise ApiError(40002, f"{name}: use YYYY-MM-DD") from error

    def integer(self, name: str, default: int) -> int:
        try:
            return int(self._params.get(name, default))
        except ValueError as error:
            raise ApiError(40002, f"{name}: must be an integer") from error
