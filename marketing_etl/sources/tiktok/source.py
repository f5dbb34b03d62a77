"""The `product` and `creative` sources: what the runner calls for TikTok GMV Max jobs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import closing
from dataclasses import replace
from typing import Any

import httpx

from marketing_etl.context import JobContext
from marketing_etl.contracts.plugins import FieldProblem, Source, TaskCatalog
from marketing_etl.contracts.report import Column, Report, ReportDescription
from marketing_etl.errors import InvalidRequest
from marketing_etl.http import Backoff
from marketing_etl.job_spec import JobSpec
from marketing_etl.ratelimit import open_budget
from marketing_etl.settings import Settings
from marketing_etl.sources.tiktok.client import (
    DEFAULT_BACKOFF,
    DEFAULT_TIMEOUT,
    DEFAULT_WORKERS,
    TikTokClient,
)
from marketing_etl.sources.tiktok.creative import creative_rows
from marketing_etl.sources.tiktok.fields import (
    PRODUCT_FIELDS,
    catalog_of,
    columns_for,
    job_problems,
    key_columns,
)
from marketing_etl.sources.tiktok.product import product_rows
from marketing_etl.sources.tiktok.queries import find_store, list_campaigns, load_catalog
from marketing_etl.sources.tiktok.quota import ReportQuota, campaign_list_calls, rows_calls
from marketing_etl.sources.tiktok.shaping import Lookups
from marketing_etl.sources.tiktok.totals import TikTokTotals

BUDGET_NAMESPACE = "tiktok"
_ROWS_PROGRESS = range(20, 95)


class TikTokReportSource(Source):
    """One GMV Max report (`product` or `creative`, also accepted as tiktok_product / tiktok_creative)."""

    platform = "tiktok"
    display_name = "TikTok"

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
        self.task_types = (task,)
        self.aliases: Mapping[str, str] = {f"tiktok_{task}": task}
        self._retry = retry
        self._workers = workers
        self._timeout = timeout
        self._transport = transport  # in-process tests (httpx.MockTransport)

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        return job_problems(self.task, spec)

    def catalog(self, task_type: str) -> TaskCatalog:
        return catalog_of(self.task)

    def fetch(self, ctx: JobContext) -> Report:
        spec = ctx.spec
        problems = self.validate(spec, ctx.settings)
        if problems:  # a job created around the API
            raise InvalidRequest(problems[0].field, problems[0].message)
        columns = columns_for(self.task, spec.selected_fields)
        quota = ReportQuota(ctx.settings)
        quota.ensure_room(campaign_list_calls(spec), self._what)
        budget = open_budget(ctx.settings.broker_url, BUDGET_NAMESPACE)
        client = TikTokClient(
            ctx,
            budget,
            retry=self._retry,
            timeout=self._timeout,
            workers=self._workers,
            transport=self._transport,
            count_report_call=quota.take,
        )
        try:
            lookups = self._lookups(ctx, client, columns, quota)
        except BaseException:
            client.close()
            raise
        # The report's own calls carry the totals check (sources/tiktok/totals.py).
        totals = None
        if ctx.settings.totals_check:
            totals = TikTokTotals(spec.advertiser_id or "", columns)
        rows = self._rows(ctx, client, lookups, columns, totals)
        return Report(columns=columns, rows=rows, description=replace(self._describe(spec), totals=totals))

    def _describe(self, spec: JobSpec) -> ReportDescription:
        """For the currency transform: product rows are days, creative rows add up a window."""
        return ReportDescription(
            accounts=(spec.advertiser_id,) if spec.advertiser_id else (),
            account_column="advertiser_id",
            rate_date_columns=("stat_time_day",) if self.task == "product" else ("end_date",),
            currency_column="currency",
            key_columns=key_columns(self.task, spec.selected_fields),
        )

    @property
    def _what(self) -> str:
        return f"{self.task} report"

    def _lookups(
        self, ctx: JobContext, client: TikTokClient, columns: list[Column], quota: ReportQuota
    ) -> Lookups:
        spec = ctx.spec
        names = {column.name for column in columns}
        # Always checked: the report of a store that cannot run GMV Max is silently empty.
        ctx.progress(5, f"Checking store {spec.store_id} on TikTok")
        store = find_store(client, spec)
        ctx.progress(10, "Reading GMV Max campaigns")
        campaigns = list_campaigns(client, spec)
        ctx.log(
            f"{len(campaigns)} Product GMV Max campaigns found for {spec.fetch_start_date} to {spec.end_date}"
        )
        needed = rows_calls(self.task, spec, len(campaigns))
        quota.ensure_room(needed, self._what)
        use = quota.use()
        ctx.log(f"About {needed:,} more report calls; {use.used:,} of today's {use.limit:,} used so far")
        catalog = None
        if names & PRODUCT_FIELDS and campaigns:
            ctx.progress(15, "Reading the store's product catalog")
            catalog = load_catalog(client, spec, store)
            ctx.log(f"{len(catalog)} products in the store catalog")
        return Lookups(spec, store, campaigns, catalog)

    def _rows(
        self,
        ctx: JobContext,
        client: TikTokClient,
        lookups: Lookups,
        columns: list[Column],
        totals: TikTokTotals | None,
    ) -> Iterator[list[Any]]:
        with closing(client):
            if not lookups.campaigns:
                return
            if self.task == "product":
                yield from product_rows(ctx, client, lookups, columns, _ROWS_PROGRESS, totals)
            else:
                drop_idle = ctx.settings.tiktok_drop_idle_creatives
                yield from creative_rows(
                    ctx, client, lookups, columns, _ROWS_PROGRESS, drop_idle=drop_idle, totals=totals
                )
