"""The `acme_daily` source: spend and clicks per campaign and day of one Acme advertiser."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.contracts.plugins import CatalogField, FieldProblem, Source, TaskCatalog
from marketing_etl.contracts.report import Column, Report
from marketing_etl.errors import InvalidRequest
from marketing_etl.job_spec import JobSpec
from marketing_etl.settings import Settings

from .client import AcmeClient

DEFAULT_API_URL = "https://api.acme-ads.example"
COLUMNS = (
    Column("date", "date"),
    Column("campaign", "text"),
    Column("spend", "money"),
    Column("clicks", "integer"),
)


class AcmeSource(Source):
    platform = "acme"
    display_name = "Acme"
    task_types = ("acme_daily",)

    def __init__(self, api_url: str) -> None:
        self.aliases = {"acme": "acme_daily"}
        self._api_url = api_url

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        problems: list[FieldProblem] = []
        if not spec.advertiser_id:
            problems.append(
                FieldProblem(
                    "advertiser_id",
                    "advertiser_id is required for Acme reports: send the advertiser number "
                    "shown under Settings > Account in Acme Ads",
                )
            )
        known = {column.name for column in COLUMNS}
        unknown = [name for name in spec.selected_fields if name not in known]
        if unknown:
            problems.append(
                FieldProblem(
                    "selected_fields",
                    f"Acme reports have no field(s) {', '.join(unknown)}; "
                    f"choose from {', '.join(c.name for c in COLUMNS)}",
                )
            )
        return problems

    def catalog(self, task_type: str) -> TaskCatalog:
        return TaskCatalog(task_type, fields=tuple(CatalogField(c.name, c.kind) for c in COLUMNS))

    def fetch(self, ctx: JobContext) -> Report:
        problems = self.validate(ctx.spec, ctx.settings)
        if problems:  # a job created around the API
            raise InvalidRequest(problems[0].field, problems[0].message)
        chosen = ctx.spec.selected_fields or [c.name for c in COLUMNS]
        by_name = {c.name: c for c in COLUMNS}
        return Report([by_name[name] for name in chosen], self._rows(ctx, chosen))

    def _rows(self, ctx: JobContext, chosen: list[str]) -> Iterator[list[Any]]:
        spec = ctx.spec
        params = {
            "advertiser_id": spec.advertiser_id or "",
            "start_date": spec.start_date.isoformat(),
            "end_date": spec.end_date.isoformat(),
        }
        ctx.progress(10, f"Reading Acme advertiser {spec.advertiser_id}")
        with closing(AcmeClient(ctx, self._api_url)) as client:
            for row in client.daily_rows(params):
                yield [_cell(name, row[name]) for name in chosen]


def _cell(name: str, raw: Any) -> Any:
    # Acme sends money as decimal strings ("12.50"), like most ad APIs, to keep cents exact.
    return float(raw) if name == "spend" else raw
