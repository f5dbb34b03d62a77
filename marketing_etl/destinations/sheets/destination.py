"""The "sheets" destination: checks the Google setup when a job is created, writes at run time."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import httpx

from marketing_etl.context import JobContext
from marketing_etl.contracts.plugins import Destination, FieldProblem
from marketing_etl.contracts.report import Report, WriteResult
from marketing_etl.destinations.sheets.auth import (
    HOW_TO_CONFIGURE,
    CredentialsProblem,
    credentials_problem,
)
from marketing_etl.destinations.sheets.chunks import CHUNK_BYTES
from marketing_etl.destinations.sheets.layout import PAGE_CELLS
from marketing_etl.destinations.sheets.refresh import RefreshWriter
from marketing_etl.destinations.sheets.session import open_sheets_session
from marketing_etl.destinations.sheets.status_tab import StatusTab
from marketing_etl.destinations.sheets.writer import SheetWriter
from marketing_etl.errors import FatalError, InvalidRequest
from marketing_etl.job_spec import JobSpec
from marketing_etl.settings import Settings

SHEET_URL = "https://docs.google.com/spreadsheets/d/{id}/edit#gid={gid}"
STATUS_INTERVAL_S = 30.0


@dataclass(frozen=True)
class SheetsOptions:
    """Tuning that tests and the benchmark change; production uses the defaults."""

    chunk_bytes: int = CHUNK_BYTES
    backoff_base_s: float = 1.0
    status_interval_s: float = STATUS_INTERVAL_S
    page_cells: int = PAGE_CELLS
    rng: random.Random = field(default_factory=random.Random)
    transport: httpx.BaseTransport | None = None  # in-process tests (httpx.MockTransport)


class SheetsDestination(Destination):
    def __init__(self, options: SheetsOptions | None = None) -> None:
        self.options = options or SheetsOptions()

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        if spec.destination != "sheets":
            return []
        problem = credentials_problem(settings)
        if problem is None:
            return []
        return [FieldProblem("destination", f"Google Sheets is not set up on this server. {problem}")]

    def write(self, ctx: JobContext, report: Report) -> WriteResult:
        spreadsheet_id = ctx.spec.spreadsheet_id
        if not spreadsheet_id:
            raise InvalidRequest("spreadsheet_id", "is required when writing to Google Sheets")
        options = self.options
        try:
            with open_sheets_session(
                ctx, spreadsheet_id,
                backoff_base_s=options.backoff_base_s, rng=options.rng, transport=options.transport,
            ) as session:
                status = (
                    StatusTab(ctx, session.client, interval_s=options.status_interval_s)
                    if ctx.settings.report_status_to_sheet
                    else None
                )
                refreshing = ctx.spec.refresh_days > 0 and not ctx.spec.is_overwrite
                writer = (RefreshWriter if refreshing else SheetWriter)(
                    ctx, session.client, session.retry,
                    chunk_bytes=options.chunk_bytes, page_cells=options.page_cells, status=status,
                )
                rows = writer.write(report)
        except CredentialsProblem as exc:
            raise FatalError(f"{exc} {HOW_TO_CONFIGURE}") from None
        return WriteResult(rows_written=rows, url=SHEET_URL.format(id=spreadsheet_id, gid=writer.sheet_id))
