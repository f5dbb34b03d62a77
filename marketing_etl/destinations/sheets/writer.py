"""One job's write into one tab: plan, spool, check limits, shape the tab, write the values.

Every step is idempotent, so the retry policy may repeat any of them, and the job's checkpoint
records where the report's rows go and how many are already there: a retried job (a new attempt)
continues at the next row instead of writing the same rows again.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.destinations.sheets import batch, layout
from marketing_etl.destinations.sheets.a1 import cell_range
from marketing_etl.destinations.sheets.chunks import group, values_body
from marketing_etl.destinations.sheets.client import SheetsClient
from marketing_etl.destinations.sheets.encode import RowEncoder
from marketing_etl.destinations.sheets.layout import Layout, Workbook
from marketing_etl.destinations.sheets.retry import RetryPolicy
from marketing_etl.destinations.sheets.spool import Spool, spool_rows
from marketing_etl.destinations.sheets.status_tab import StatusTab
from marketing_etl.errors import EtlError, FatalError, JobCancelled, TransientError, UserError
from marketing_etl.plugins import Report

CHECKPOINT_KEY = "sheets"
FIRST_PERCENT, LAST_PERCENT = 90, 99


@dataclass
class Progress:
    """What the checkpoint keeps: the layout, and how many report rows are in the tab."""

    target: str
    overwrite: bool
    names: list[str]
    header: list[str]
    positions: list[int]
    header_from: int
    start_row: int
    rows_total: int
    rows_done: int

    @property
    def layout(self) -> Layout:
        return Layout(self.header, self.positions, self.header_from, self.start_row)


class SheetWriter:
    def __init__(
        self,
        ctx: JobContext,
        client: SheetsClient,
        policy: RetryPolicy,
        *,
        chunk_bytes: int,
        page_cells: int,
        status: StatusTab | None,
    ) -> None:
        self._ctx = ctx
        self._client = client
        self._policy = policy
        self._chunk_bytes = chunk_bytes
        self._page_cells = page_cells
        self._status = status
        self.title = ctx.spec.sheet_name
        self.overwrite = ctx.spec.is_overwrite
        self.sheet_id: int | None = None

    def write(self, report: Report) -> int:
        names = [column.name for column in report.columns]
        kinds = [column.kind for column in report.columns]
        self._ctx.progress(FIRST_PERCENT, f"Reading spreadsheet {self._client.spreadsheet_id}")
        workbook = self._policy.run(self._ctx, lambda: layout.read_workbook(self._client))
        saved = self._saved(names)
        plan = saved.layout if saved else self._plan(workbook, names)
        encoder = RowEncoder(kinds, plan.positions, plan.width)
        spool = spool_rows(self._ctx, report.rows, encoder, names, layout.MAX_CELL_CHARS)
        try:
            resume = saved is not None and (not self.overwrite or saved.rows_total == spool.rows)
            progress = Progress(
                f"{self._client.spreadsheet_id}/{self.title}", self.overwrite, names,
                plan.header, plan.positions, plan.header_from, plan.start_row, spool.rows,
                saved.rows_done if saved and resume else 0,
            )
            self._check(workbook, progress, spool)
            self._ctx.save_checkpoint(**{CHECKPOINT_KEY: asdict(progress)})
            self._run(workbook, progress, kinds, spool, encoder, clear=self.overwrite and not resume)
        finally:
            spool.close()
        return progress.rows_total

    def _saved(self, names: Sequence[str]) -> Progress | None:
        raw = self._ctx.checkpoint.get(CHECKPOINT_KEY)
        if raw is None:
            return None
        try:
            if not isinstance(raw, dict):
                raise TypeError(f"expected a mapping, found {type(raw).__name__}")
            saved = Progress(**raw)
        except TypeError as exc:
            self._unreadable(exc)  # raises unless overwriting, which starts over safely
            return None
        target = f"{self._client.spreadsheet_id}/{self.title}"
        if (saved.target, saved.overwrite, saved.names) != (target, self.overwrite, list(names)):
            return None
        return saved

    def _unreadable(self, exc: TypeError) -> None:
        """An earlier attempt saved its progress, but it cannot be rebuilt. Overwriting starts the
        tab over, so that is safe; appending without knowing how many rows the earlier attempt
        added would add them a second time, so the job stops instead."""
        tab = f"tab '{self.title}'"
        self._ctx.log(
            f"The saved progress of the earlier attempt of this job could not be read ({exc}).", "WARNING"
        )
        if self.overwrite:
            self._ctx.log(f"Overwrite mode: {tab} is cleared and written again from the first row.")
            return
        earlier = self._ctx.rows_written
        added = f" (it recorded {earlier:,} rows written)" if earlier else ""
        raise FatalError(
            f"The saved progress of this job's earlier attempt could not be read, so it is unknown "
            f"which rows that attempt already appended to {tab}{added}; the job stopped rather than "
            f"append them a second time, and retrying it will stop here again. To recover, submit "
            f"the report as a new job with is_overwrite true (this replaces the tab's contents), or "
            f"check {tab}, delete the rows the earlier attempt appended, and submit it as a new job."
        )

    def _plan(self, workbook: Workbook, names: list[str]) -> Layout:
        tab = workbook.find(self.title)
        if self.overwrite or tab is None:
            return layout.fresh_layout(names)
        header = self._policy.run(self._ctx, lambda: layout.read_header(self._client, tab))
        last = self._policy.run(
            self._ctx, lambda: layout.last_filled_row(self._client, tab, self._page_cells)
        )
        return layout.append_layout(header, last, names)

    def _check(self, workbook: Workbook, progress: Progress, spool: Spool) -> None:
        if spool.longest is not None:
            layout.check_cell_lengths(spool.longest.row, spool.longest.column, spool.longest.length)
        grid = layout.grid_size(
            progress.layout, progress.rows_total, workbook.find(self.title), overwrite=self.overwrite
        )
        extra = self._status.extra_cells(workbook) if self._status else 0
        layout.check_fits(workbook, self.title, grid, extra)

    def _run(
        self, workbook: Workbook, progress: Progress, kinds: list[str], spool: Spool,
        encoder: RowEncoder, *, clear: bool,
    ) -> None:
        # What the tab holds of this job is exactly progress.rows_done rows; say so in the job.
        self._ctx.add_rows_written(progress.rows_done - self._ctx.rows_written)
        prepared = False
        try:
            self.sheet_id = self._prepare(workbook, progress, kinds, clear=clear)
            prepared = True
            self._write_values(progress, spool, encoder)
        except EtlError as exc:
            self._report_status("FAILED", exc.user_message)
            raise _stopped(exc, self._holds(progress, prepared, clear)) from exc
        except JobCancelled:
            self._report_status("FAILED", "Cancelled by user")
            raise
        self._report_status("COMPLETED", f"Wrote {progress.rows_total:,} rows to '{self.title}'")

    def _prepare(self, first: Workbook, progress: Progress, kinds: list[str], *, clear: bool) -> int:
        plan = progress.layout
        rows, cols = layout.grid_size(
            plan, progress.rows_total, first.find(self.title), overwrite=self.overwrite
        )
        pending = [first]

        def send() -> int:
            # A retry re-reads the spreadsheet: an earlier try may have been applied after all.
            workbook = pending.pop() if pending else layout.read_workbook(self._client)
            tab = workbook.find(self.title)
            requests: list[dict[str, Any]] = []
            if tab is None:
                # From the title: two jobs adding tabs to one spreadsheet at once (each from its
                # own read of it) would otherwise both pick the first free id, and one would fail.
                sheet_id = workbook.unused_sheet_id(offset=zlib.crc32(self.title.encode()) % 1_000_000_000)
                requests.append(batch.add_tab(sheet_id, self.title, rows, cols))
            else:
                sheet_id = tab.sheet_id
                if clear:
                    requests.append(batch.clear_tab(sheet_id))
                requests += [*batch.resize(tab, rows, cols), batch.freeze_header(sheet_id)]
            requests += batch.header_cells(sheet_id, plan) + batch.formats(sheet_id, plan, kinds)
            if self._status:
                requests += self._status.start_requests(workbook, f"Writing to '{self.title}'")
            self._client.batch_update(requests)
            return sheet_id

        return self._policy.run(self._ctx, send)

    def _write_values(self, progress: Progress, spool: Spool, encoder: RowEncoder) -> None:
        plan = progress.layout
        total = progress.rows_total
        for rows in group(spool.lines(progress.rows_done), self._chunk_bytes):
            first = plan.start_row + progress.rows_done
            target = cell_range(self.title, first, first + len(rows) - 1, plan.width)
            body = values_body(target, rows, encoder.value_input_option)
            self._policy.run(self._ctx, partial(self._client.batch_update_values, body))
            progress.rows_done += len(rows)
            self._ctx.save_checkpoint(**{CHECKPOINT_KEY: asdict(progress)})
            self._ctx.add_rows_written(len(rows))
            percent = FIRST_PERCENT + (LAST_PERCENT - FIRST_PERCENT) * progress.rows_done // max(total, 1)
            message = f"Wrote {progress.rows_done:,} of {total:,} rows to tab '{self.title}'"
            self._ctx.progress(percent, message)
            if self._status:
                self._status.maybe_update(percent, message)

    def _report_status(self, status: str, message: str) -> None:
        if self._status:
            self._status.update(status, 100 if status == "COMPLETED" else 0, message)

    def _holds(self, progress: Progress, prepared: bool, cleared: bool) -> str:
        done, start = progress.rows_done, progress.start_row
        wrote = f"Wrote {done:,} of {progress.rows_total:,} rows:"
        tab = f"tab '{self.title}'"
        if not prepared and done == 0:
            return f"{wrote} {tab} was not changed."
        if done == 0 and cleared:
            return f"{wrote} {tab} holds only the header row."
        if done == 0:
            return f"{wrote} nothing was added to {tab}."
        rows = f"rows {start:,}-{start + done - 1:,}"
        if self.overwrite:
            return f"{wrote} {tab} holds the header and the report's first {done:,} rows ({rows})."
        return f"{wrote} {rows} of {tab} hold the report's first {done:,} rows; the rows above are unchanged."


def _stopped(exc: EtlError, holds: str) -> EtlError:
    message = f"{exc.user_message} {holds}"
    if isinstance(exc, UserError):
        return UserError(message, detail=exc.detail)
    if isinstance(exc, TransientError):
        return TransientError(message, detail=exc.detail)
    return FatalError(message, detail=exc.detail)
