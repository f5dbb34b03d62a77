"""CSV and XLSX files under DATA_DIR/reports/<job_id>.<ext>, for users without Google access.

Rows stream straight from the report into a temporary file beside the target, which replaces
the target only once complete: a download never sees half a report, and a retry just rewrites.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from marketing_etl.context import JobContext
from marketing_etl.contracts.plugins import Destination, FieldProblem
from marketing_etl.contracts.report import Column, Report, WriteResult
from marketing_etl.destinations.cells import Cell, coerce
from marketing_etl.destinations.formats import format_for
from marketing_etl.errors import UserError
from marketing_etl.job_spec import JobSpec
from marketing_etl.settings import Settings

EXTENSIONS = {"csv": "csv", "xlsx": "xlsx"}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_MAX_ROWS = 1_048_576  # Excel's sheet height, header included
XLSX_MAX_CELL_CHARS = 32_767
PROGRESS_EVERY_ROWS = 5_000


def report_path(settings: Settings, job_id: str, destination: str) -> Path:
    return settings.data_dir / "reports" / f"{job_id}.{EXTENSIONS[destination]}"


def download_url(job_id: str) -> str:
    return f"/reports/{job_id}/download"


class FileDestination(Destination):
    def __init__(self, kind: str) -> None:
        if kind not in EXTENSIONS:
            raise ValueError(f"unknown file kind {kind}")
        self.kind = kind

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        """Nothing to check up front: DATA_DIR is created on demand."""
        return []

    def write(self, ctx: JobContext, report: Report) -> WriteResult:
        target = report_path(ctx.settings, ctx.job_id, self.kind)
        target.parent.mkdir(parents=True, exist_ok=True)
        # A retry rewrites the whole file, so what earlier attempts wrote no longer counts.
        ctx.add_rows_written(-ctx.rows_written)
        ctx.progress(None, f"Writing the report to a {self.kind.upper()} file")
        handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{ctx.job_id}.", suffix=".part")
        os.close(handle)
        temp = Path(temp_name)
        try:
            rows = _typed_rows(ctx, report)
            count = _write_csv(temp, report.columns, rows) if self.kind == "csv" else _write_xlsx(
                temp, report.columns, rows
            )
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)
        ctx.add_rows_written(count)
        return WriteResult(rows_written=count, url=download_url(ctx.job_id))


def _typed_rows(ctx: JobContext, report: Report) -> Iterator[list[Cell]]:
    kinds = [column.kind for column in report.columns]
    for index, row in enumerate(report.rows, start=1):
        ctx.check_cancel()
        if index % PROGRESS_EVERY_ROWS == 0:
            ctx.progress(None, f"{index:,} rows written to the file so far")
        yield [coerce(value, kind) for value, kind in zip(row, kinds, strict=False)]


def _write_csv(path: Path, columns: Sequence[Column], rows: Iterator[list[Cell]]) -> int:
    count = 0
    # utf-8-sig: Excel opens a BOM-marked CSV with the right encoding for non-ASCII names.
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow([column.name for column in columns])
        for row in rows:
            writer.writerow([_csv_text(cell) for cell in row])
            count += 1
    return count


def _csv_text(cell: Cell) -> Any:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    return cell


def _write_xlsx(path: Path, columns: Sequence[Column], rows: Iterator[list[Cell]]) -> int:
    # Write-only mode streams rows to disk instead of building the whole sheet in memory.
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Report")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    kinds = [column.kind for column in columns]
    count = 0
    for row in rows:
        if count + 2 > XLSX_MAX_ROWS:
            raise UserError(
                f"The report has more than {XLSX_MAX_ROWS - 1:,} rows, more than one Excel sheet "
                "holds. Split it into smaller jobs (fewer days or accounts) or use destination csv."
            )
        sheet.append([_xlsx_cell(sheet, cell, kind) for cell, kind in zip(row, kinds, strict=False)])
        count += 1
    book.save(path)
    return count


def _xlsx_cell(sheet: Any, value: Cell, kind: str) -> WriteOnlyCell:
    if isinstance(value, str) and len(value) > XLSX_MAX_CELL_CHARS:
        raise UserError(
            f"A cell holds {len(value):,} characters; Excel cells hold at most {XLSX_MAX_CELL_CHARS:,}. "
            "Use destination csv for this report."
        )
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and kind != "formula":
        # openpyxl stores any "=..." string as a formula; a campaign name must stay text.
        cell.data_type = "s"
    number_format = format_for(kind)
    if number_format is not None:
        cell.number_format = number_format.pattern
    return cell
