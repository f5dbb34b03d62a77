"""A fake TikTok API for Business (GMV Max reads) over real HTTP, serving a fixed data set.

Behaves as the reference describes: everything is HTTP 200 with a {code, message, request_id,
data} envelope; list and object parameters arrive JSON-encoded in the query string; the token
comes in the Access-Token header; lists are paged by page_info. It serves the token's
advertisers (tiktok_accounts.py), the store list, the product catalog, the report
(tiktok_report.py) and the video list (tiktok_videos.py), and counts report calls per UTC day
against the app's daily quota, answering 40100 once it is spent. Tests can queue error answers
(throttling, TikTok faults), clamp pages below page_size (as TikTok sometimes does), and add
latency. Every request is kept in `calls`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from marketing_etl.sandbox.fakes.tiktok_accounts import advertiser_info, advertisers_of_token
from marketing_etl.sandbox.fakes.tiktok_data import Dataset
from marketing_etl.sandbox.fakes.tiktok_report import report_rows, total_metrics
from marketing_etl.sandbox.fakes.tiktok_videos import video_items
from marketing_etl.sandbox.fakes.tiktok_wire import ApiError, Query, envelope, page

PREFIX = "/open_api/v1.3"
REPORT_PATH = "/gmv_max/report/get/"
REPORT_CALLS_PER_DAY = 20_000  # the Basic tier's daily limit on the report endpoint
REPORT_PAGE_MAX, VIDEO_PAGE_MAX, CATALOG_PAGE_MAX = 1000, 50, 100


@dataclass
class Call:
    path: str
    params: dict[str, Any]


class FakeTikTok:
    def __init__(
        self,
        data: Dataset,
        token: str,
        *,
        latency_s: float = 0.0,
        report_calls_per_day: int = REPORT_CALLS_PER_DAY,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self.data = data
        self.token = token
        self.latency_s = latency_s
        self.report_calls_per_day = report_calls_per_day
        self.clamp_page_size: int | None = None
        self.calls: list[Call] = []
        self.report_calls_by_day: dict[date, int] = {}
        self._today = today
        self._queued: deque[tuple[int, str, str | None]] = deque()
        routes = [
            Route(PREFIX + REPORT_PATH, self._endpoint(self._report)),
            Route(PREFIX + "/gmv_max/store/list/", self._endpoint(self._stores)),
            Route(PREFIX + "/gmv_max/video/get/", self._endpoint(self._videos)),
            Route(PREFIX + "/store/product/get/", self._endpoint(self._catalog)),
            Route(PREFIX + "/oauth2/advertiser/get/", self._endpoint(partial(advertisers_of_token, data))),
            Route(PREFIX + "/advertiser/info/", self._endpoint(partial(advertiser_info, data))),
        ]
        self.app = Starlette(routes=routes)

    def fail_next(
        self, times: int, code: int, message: str = "Too many requests", path: str | None = None
    ) -> None:
        """The next `times` authenticated calls (to `path`, if given) answer with this error instead."""
        self._queued.extend([(code, message, path)] * times)

    def calls_to(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == path]

    def _endpoint(self, handler: Callable[[Query], dict[str, Any]]) -> Any:
        async def endpoint(request: Request) -> JSONResponse:
            if self.latency_s:
                await asyncio.sleep(self.latency_s)
            params = dict(request.query_params)
            path = request.url.path.removeprefix(PREFIX)
            self.calls.append(Call(path, params))
            try:
                self._authenticate(request)
                if path == REPORT_PATH:
                    self._count_report_call()
                if self._queued and self._queued[0][2] in (None, path):
                    code, message, _ = self._queued.popleft()
                    raise ApiError(code, message)
                data = handler(Query(params))
            except ApiError as error:
                return envelope(error.code, error.message, {})
            return envelope(0, "OK", data)

        return endpoint

    def _authenticate(self, request: Request) -> None:
        token = request.headers.get("Access-Token")
        if not token:
            raise ApiError(
                40104, "Access token is null, you should set it in http header with key Access-Token"
            )
        if token != self.token:
            raise ApiError(40105, "The access token is invalid or has been revoked.")

    def _count_report_call(self) -> None:
        day = self._today()
        used = self.report_calls_by_day.get(day, 0)
        if used >= self.report_calls_per_day:
            raise ApiError(
                40100,
                "Due to too many requests, requests from App are temporarily restricted: the daily "
                f"limit of {self.report_calls_per_day} calls to /gmv_max/report/get/ is reached until "
                "00:00:00 UTC+0.",
            )
        self.report_calls_by_day[day] = used + 1

    def _stores(self, query: Query) -> dict[str, Any]:
        self._check_advertiser(query)
        store = {
            "store_id": self.data.store_id,
            "store_name": self.data.store_name,
            "store_status": "ACTIVE",
            "is_gmv_max_available": self.data.gmv_max_available,
            "store_authorized_bc_id": self.data.bc_id,
        }
        other = {"store_id": "7000000000000000999", "store_name": "Other", "is_gmv_max_available": False}
        return {"store_list": [store, other, dict(store)]}  # TikTok sometimes lists a store twice

    def _catalog(self, query: Query) -> dict[str, Any]:
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
        return self._page(query, products, "store_products", CATALOG_PAGE_MAX)

    def _videos(self, query: Query) -> dict[str, Any]:
        self._check_advertiser(query)
        return self._page(query, video_items(self.data, query), "item_list", VIDEO_PAGE_MAX)

    def _report(self, query: Query) -> dict[str, Any]:
        self._check_advertiser(query)
        rows = report_rows(self.data, query)
        answer = self._page(query, rows, "list", REPORT_PAGE_MAX)
        if query.json("enable_total_metrics", default=False) is True:
            answer["total_metrics"] = total_metrics(rows, query.json("metrics"), self.data.totals_differ)
        return answer

    def _check_advertiser(self, query: Query) -> None:
        if query.text("advertiser_id") != self.data.advertiser_id:
            raise ApiError(40001, "No permission to operate advertiser")

    def _page(self, query: Query, items: list[Any], key: str, max_page_size: int) -> dict[str, Any]:
        return page(query, items, key, max_page_size=max_page_size, clamp=self.clamp_page_size)
