"""The `product` and `creative` sources: what the runner calls for TikTok GMV Max jobs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx

from marketing_etl.context import JobContext
from marketing_etl.contracts.report import Column, Report
from marketing_etl.errors import InvalidRequest
from marketing_etl.http import Backoff
from marketing_etl.models import JobSpec
from marketing_etl.ratelimit import open_budget
from marketing_etl.sources.tiktok.client import (
    DEFAULT_BACKOFF,
    DEFAULT_TIMEOUT,
    DEFAULT_WORKERS,
    TikTokClient,
)
from marketing_etl.sources.tiktok.creative import creative_rows
from marketing_etl.sources.tiktok.fields import PRODUCT_FIELDS, columns_for, selection_problems
from marketing_etl.sources.tiktok.product import product_rows
from marketing_etl.sources.tiktok.queries import find_store, list_campaigns, load_catalog
from marketing_etl.sources.tiktok.shaping import Lookups
from marketing_etl.transforms.report_meta import (
    ACCOUNT_COLUMN,
    ACCOUNTS,
    CURRENCY_COLUMN,
    RATE_DATE_COLUMNS,
)
from marketing_etl.validation import FieldProblem

BUDGET_NAMESPACE = "tiktok"
_ROWS_PROGRESS = range(20, 95)


class TikTokReportSource:
    def __init__(
        self,
        task: str,
        *,
        retry: Backoff = DEFAULT_BACKOFF,
        workers: int = DEFAULT_WORKERS,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if task not in ("product", "creative"):
            raise ValueError(f"unknown TikTok report '{task}'")
        self.task = task
        self._retry = retry
        self._workers = workers
        self._timeout = timeout
        self._transport = transport  # in-process tests (httpx.MockTransport)

    def validate(self, spec: JobSpec) -> list[FieldProblem]:
        return selection_problems(self.task, spec.selected_fields)

    def fetch(self, ctx: JobContext) -> Report:
        spec = ctx.spec
        problems = self.validate(spec)
        if problems:
            raise InvalidRequest(problems[0].field, problems[0].message)
        for name in ("advertiser_id", "store_id"):
            if not getattr(spec, name):
                raise InvalidRequest(name, f"{name} is required for TikTok {self.task} reports")
        columns = columns_for(self.task, spec.selected_fields)
        budget = open_budget(ctx.settings.broker_url, BUDGET_NAMESPACE)
        client = TikTokClient(
            ctx, budget,
            retry=self._retry, timeout=self._timeout, workers=self._workers, transport=self._transport,
        )
        try:
            lookups = self._lookups(ctx, client, columns)
        except BaseException:
            client.close()
            raise
        return Report(columns=columns, rows=self._rows(ctx, client, lookups, columns), meta=self._meta(spec))

    def _meta(self, spec: JobSpec) -> dict[str, object]:
        """For the currency transform: product rows are days, creative rows add up a window."""
        return {
            ACCOUNTS: [spec.advertiser_id],
            ACCOUNT_COLUMN: "advertiser_id",
            RATE_DATE_COLUMNS: ["stat_time_day"] if self.task == "product" else ["end_date"],
            CURRENCY_COLUMN: "currency",
        }

    def _lookups(self, ctx: JobContext, client: TikTokClient, columns: list[Column]) -> Lookups:
        spec = ctx.spec
        names = {column.name for column in columns}
        needs_catalog = bool(names & PRODUCT_FIELDS)
        needs_store = needs_catalog or ("store_name" in names and not spec.store_name)
        store = None
        if needs_store:
            ctx.progress(5, f"Checking store {spec.store_id} on TikTok")
            store = find_store(client, spec)
        ctx.progress(10, "Reading GMV Max campaigns")
        campaigns = list_campaigns(client, spec)
        ctx.log(f"{len(campaigns)} Product GMV Max campaigns found for {spec.start_date} to {spec.end_date}")
        catalog = None
        if store is not None and needs_catalog and campaigns:
            ctx.progress(15, "Reading the store's product catalog")
            catalog = load_catalog(client, spec, store)
            ctx.log(f"{len(catalog)} products in the store catalog")
        return Lookups(spec, store.name if store else None, campaigns, catalog)

    def _rows(
        self, ctx: JobContext, client: TikTokClient, lookups: Lookups, columns: list[Column]
    ) -> Iterator[list[Any]]:
        with closing(client):
            if not lookups.campaigns:
                return
            if self.task == "product":
                yield from product_rows(ctx, client, lookups, columns, _ROWS_PROGRESS)
            else:
                drop_idle = ctx.settings.tiktok_drop_idle_creatives
                yield from creative_rows(ctx, client, lookups, columns, _ROWS_PROGRESS, drop_idle=drop_idle)
