"""One job's write into one tab: spool, take the tab, plan, check limits, shape it, write values.

The rows are spooled first (fetching them may take long), then the job waits to be the tab's one
writer (tab_lock.py) before it reads where to write. Every step is idempotent, so the Sheets
retrier may repeat any of them, and the job's checkpoint records where the report's rows go and
how many are already there: a retried job (a new attempt) checks that those rows are still there
(resume.py) and continues at the next row instead of writing the same rows again.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.contracts.report import Report
from marketing_etl.destinations.sheets import batch, layout, resume, stopped
from marketing_etl.destinations.sheets.a1 import cell_range
from marketing_etl.destinations.sheets.chunks import Chunk, group, values_body
from marketing_etl.destinations.sheets.client import SheetsClient
from marketing_etl.destinations.sheets.encode import RowEncoder, placed
from marketing_etl.destinations.sheets.layout import Layout, Workbook
from marketing_etl.destinations.sheets.spool import Spool, spool_rows
from marketing_etl.destinations.sheets.status_tab import StatusTab
from marketing_etl.destinations.sheets.tab_lock import TabLock
from marketing_etl.errors import EtlError, FatalError, JobCancelled
from marketing_etl.http import Retrier

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
    # The tab row of the next report row: below start_row + rows_done when other jobs appended
    # below this job's first rows between two attempts. 0 in checkpoints older than this field.
    next_row: int = 0

    def __post_init__(self) -> None:
        self.next_row = self.next_row or self.start_row + self.rows_done

    @property
    def layout(self) -> Layout:
        return Layout(self.header, self.positions, self.header_from, self.start_row)

    @property
    def span(self) -> Layout:
        """The layout as if the report's rows ran without a break up to the last one: what the
        grid must hold."""
        return Layout(self.header, self.positions, self.header_from, self.next_row - self.rows_done)


class SheetWriter:
    def __init__(
        self,
        ctx: JobContext,
        client: SheetsClient,
        retry: Retrier,
        *,
        chunk_bytes: int,
        page_cells: int,
        status: StatusTab | None,
    ) -> None:
        self._ctx = ctx
        self._client = client
        self._retry = retry
        self._chunk_bytes = chunk_bytes
        self._page_cells = page_cells
        self._status = status
        self.title = ctx.spec.sheet_name
        self.overwrite = ctx.spec.is_overwrite
        self.sheet_id: int | None = None

    def write(self, report: Report) -> int:
        names = [column.name for column in report.columns]
        kinds = [column.kind for column in report.columns]
        in_order = RowEncoder(kinds, range(len(names)), len(names))
        spool = spool_rows(self._ctx, report.rows, in_order, names, layout.MAX_CELL_CHARS)
        try:
            with TabLock(self._ctx, self._client.spreadsheet_id, self.title) as lock:
                return self._write_spooled(names, kinds, spool, lock)
        finally:
            spool.close()

    def _write_spooled(self, names: list[str], kinds: list[str], spool: Spool, lock: TabLock) -> int:
        self._ctx.progress(FIRST_PERCENT, f"Reading spreadsheet {self._client.spreadsheet_id}")
        workbook = self._retry.call(lambda: layout.read_workbook(self._client))
        saved = self._saved(names)
        if saved is not None and (not self.overwrite or saved.rows_total == spool.rows):
            saved = self._verified(workbook, saved, spool, kinds)
        resume = saved is not None
        plan = saved.layout if saved else self._plan(workbook, names)
        progress = Progress(
            f"{self._client.spreadsheet_id}/{self.title}", self.overwrite, names,
            plan.header, plan.positions, plan.header_from, plan.start_row,
            spool.rows if saved else self._rows_to_add(workbook, plan, spool),
            saved.rows_done if saved else 0, saved.next_row if saved else 0,
        )
        self._check(workbook, progress, spool)
        self._ctx.save_checkpoint(**{CHECKPOINT_KEY: asdict(progress)})
        encoder = RowEncoder(kinds, plan.positions, plan.width)
        self._run(workbook, progress, kinds, spool, encoder, lock, clear=self.overwrite and not resume)
        return spool.rows

    def _rows_to_add(self, workbook: Workbook, plan: Layout, spool: Spool) -> int:
        """How many of the report's rows go below the start row: all of them (refresh.py adds fewer)."""
        return spool.rows

    def _verified(
        self, workbook: Workbook, saved: Progress, spool: Spool, kinds: list[str]
    ) -> Progress | None:
        """The saved progress if the rows it counts are still in the tab, with next_row moved
        below whatever other jobs appended since; None (start the report over) if not."""
        if saved.rows_done == 0:
            return saved
        tab = workbook.find(self.title)
        first, last = saved.start_row, saved.next_row - 1
        problem = self._retry.call(lambda: resume.block_problem(
            self._client, tab, first_row=first, last_row=last, rows_done=saved.rows_done,
            spool=spool, kinds=kinds, positions=saved.positions,
        ))
        if problem is not None or tab is None:
            where = "from row 2 of the cleared tab" if self.overwrite else "below the tab's last filled row"
            self._ctx.log(
                f"The earlier attempt wrote the report's first {saved.rows_done:,} rows to tab "
                f"'{self.title}' (rows {first:,}-{last:,}), but they are not there as it left them: "
                f"{problem}. All {spool.rows:,} rows are written again, {where}.", "WARNING",
            )
            return None
        bottom = self._retry.call(
            lambda: layout.last_filled_row(self._client, tab, self._page_cells)
        )
        if bottom > last:
            self._ctx.log(
                f"Rows were added to tab '{self.title}' below this job's first {saved.rows_done:,} "
                f"rows since the earlier attempt; the other {spool.rows - saved.rows_done:,} rows "
                f"go below them, from row {bottom + 1:,}."
            )
            saved.next_row = bottom + 1
        return saved

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
        header = self._retry.call(lambda: layout.read_header(self._client, tab))
        last = self._retry.call(
            lambda: layout.last_filled_row(self._client, tab, self._page_cells)
        )
        return layout.append_layout(header, last, names)

    def _check(self, workbook: Workbook, progress: Progress, spool: Spool) -> None:
        if spool.longest is not None:
            layout.check_cell_lengths(spool.longest.row, spool.longest.column, spool.longest.length)
        grid = layout.grid_size(
            progress.span, progress.rows_total, workbook.find(self.title), overwrite=self.overwrite
        )
        extra = self._status.extra_cells(workbook) if self._status else 0
        layout.check_fits(workbook, self.title, grid, extra)

    def _run(
        self, workbook: Workbook, progress: Progress, kinds: list[str], spool: Spool,
        encoder: RowEncoder, lock: TabLock, *, clear: bool,
    ) -> None:
        # What the tab holds of this job is exactly progress.rows_done rows; say so in the job.
        self._ctx.add_rows_written(progress.rows_done - self._ctx.rows_written)
        prepared = False
        try:
            lock.check()
            self.sheet_id = self._prepare(workbook, progress, kinds, clear=clear)
            prepared = True
            self._write_values(progress, spool, encoder, lock)
        except EtlError as exc:
            self._report_status("FAILED", exc.user_message)
            raise stopped.stopped(exc, self._holds(progress, prepared=prepared, cleared=clear)) from exc
        except JobCancelled:
            self._report_status("FAILED", "Cancelled by user")
            raise
        self._report_status("COMPLETED", f"Wrote {spool.rows:,} rows to '{self.title}'")

    def _holds(self, progress: Progress, *, prepared: bool, cleared: bool) -> str:
        """What the tab holds of the report after a failure mid-write, for the job's message."""
        return stopped.holds(
            self.title, rows_done=progress.rows_done, rows_total=progress.rows_total,
            start_row=progress.start_row, next_row=progress.next_row,
            overwrite=self.overwrite, prepared=prepared, cleared=cleared,
        )

    def _prepare(self, first: Workbook, progress: Progress, kinds: list[str], *, clear: bool) -> int:
        plan = progress.layout
        rows, cols = layout.grid_size(
            progress.span, progress.rows_total, first.find(self.title), overwrite=self.overwrite
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

        return self._retry.call(send)

    def _write_values(self, progress: Progress, spool: Spool, encoder: RowEncoder, lock: TabLock) -> None:
        plan = progress.layout
        total = progress.rows_total
        lines = spool.lines(progress.rows_done)
        if plan.positions != list(range(len(plan.positions))) or plan.width != len(plan.positions):
            lines = (placed(line, plan.positions, plan.width) for line in lines)
        for chunk in group(lines, self._chunk_bytes):
            lock.check()
            self._send(progress, chunk, encoder.value_input_option)
            progress.rows_done += chunk.rows
            progress.next_row += chunk.rows
            self._ctx.save_checkpoint(**{CHECKPOINT_KEY: asdict(progress)})
            self._ctx.add_rows_written(chunk.rows)
            percent = FIRST_PERCENT + (LAST_PERCENT - FIRST_PERCENT) * progress.rows_done // max(total, 1)
            message = f"Wrote {progress.rows_done:,} of {total:,} rows to tab '{self.title}'"
            self._ctx.progress(percent, message)
            if self._status:
                self._status.maybe_update(percent, message)

    def _send(self, progress: Progress, chunk: Chunk, value_input_option: str) -> None:
        """One chunk's call; its body is dropped on return, before the next chunk is built."""
        first = progress.next_row
        target = cell_range(self.title, first, first + chunk.rows - 1, progress.layout.width)
        body = values_body(target, chunk.values, value_input_option)
        self._retry.call(partial(self._client.batch_update_values, body))

    def _report_status(self, status: str, message: str) -> None:
        if self._status:
            self._status.update(status, 100 if status == "COMPLETED" else 0, message)
