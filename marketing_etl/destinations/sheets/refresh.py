"""refresh_days: the job's rows replace the tab's rows with the same key in place, and only rows
whose key the tab lacks are appended below its last filled row.

Why: Facebook and TikTok keep attributing conversions to a day for up to 28 days after it, so a
daily job that only appends leaves the earlier days short of what Ads Manager shows. The source
fetches refresh_days more days before start_date (JobSpec.fetch_start_date); a row is matched on
the report's key columns (ReportDescription.key_columns: its day, object ids, breakdown values),
so nothing here knows a platform.

Idempotent without a checkpoint: every attempt reads the keys in the tab again, so a row that an
earlier attempt wrote (in place or appended) is found by its key and written over, never added a
second time. Rows of the refreshed days the platform no longer returns are left as they are, and
the job's log says how many.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from marketing_etl.contracts.report import Report
from marketing_etl.destinations.sheets.a1 import cell_range
from marketing_etl.destinations.sheets.chunks import BODY_OVERHEAD
from marketing_etl.destinations.sheets.client import SheetsClient
from marketing_etl.destinations.sheets.encode import TEXT_PREFIX, RowEncoder, placed, serial
from marketing_etl.destinations.sheets.layout import Layout, Tab, Workbook
from marketing_etl.destinations.sheets.resume import tab_cell
from marketing_etl.destinations.sheets.spool import Spool
from marketing_etl.destinations.sheets.tab_lock import TabLock
from marketing_etl.destinations.sheets.writer import FIRST_PERCENT, LAST_PERCENT, Progress, SheetWriter
from marketing_etl.errors import FatalError

RANGE_OVERHEAD = 100  # one ValueRange's envelope: its range, majorDimension, brackets

Key = tuple[Any, ...]


def key_cell(value: Any, *, prefixed: bool = False) -> Any:
    """A key cell in one form for the tab's values and the report's: numbers (dates are serial
    numbers) as floats, text without the USER_ENTERED text marker, empty as ""."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return float(value)
    if value is None:
        return ""
    text = str(value)
    return text[len(TEXT_PREFIX) :] if prefixed and text.startswith(TEXT_PREFIX) else text


@dataclass
class KeyIndex:
    """The tab rows of the refreshed days, by key; a key on several rows keeps its first."""

    rows: dict[Key, int] = field(default_factory=dict)
    repeated: int = 0


def read_keys(
    client: SheetsClient,
    tab: Tab,
    positions: Sequence[int],
    last_row: int,
    days: tuple[float, float],
    page_cells: int,
) -> KeyIndex:
    """Rows 2..last_row of the tab's key columns (`positions`, the day first), paged; only the
    rows whose day is within `days` (serial numbers, inclusive) are kept."""
    index = KeyIndex()
    width = max(positions) + 1
    page = max(1, page_cells // width)
    for first in range(2, last_row + 1, page):
        values = client.get_values(cell_range(tab.title, first, min(last_row, first + page - 1), width))
        for offset, row in enumerate(values):
            key = tuple(key_cell(tab_cell(row, p)) for p in positions)
            if not isinstance(key[0], float) or not days[0] <= key[0] <= days[1]:
                continue
            if key in index.rows:
                index.repeated += 1
            else:
                index.rows[key] = first + offset
    return index


@dataclass
class _Batch:
    """One values.batchUpdate body: runs of consecutive tab rows, each one ValueRange."""

    runs: list[tuple[int, int, bytearray]] = field(default_factory=list)  # first row, rows, values
    size: int = BODY_OVERHEAD
    appended: int = 0

    def add(self, row: int, line: bytes) -> None:
        if self.runs and self.runs[-1][0] + self.runs[-1][1] == row:
            first, rows, values = self.runs[-1]
            values += b"," + line
            self.runs[-1] = (first, rows + 1, values)
            self.size += len(line) + 1
        else:
            self.runs.append((row, 1, bytearray(line)))
            self.size += RANGE_OVERHEAD + len(line)

    @property
    def rows(self) -> int:
        return sum(rows for _, rows, _ in self.runs)

    def body(self, title: str, width: int, value_input_option: str) -> bytes:
        head = json.dumps({"valueInputOption": value_input_option, "includeValuesInResponse": False})
        entries = [
            json.dumps(
                {"range": cell_range(title, first, first + rows - 1, width), "majorDimension": "ROWS"}
            ).encode()[:-1]
            + b',"values":['
            + bytes(values)
            + b"]}"
            for first, rows, values in self.runs
        ]
        return head.encode()[:-1] + b',"data":[' + b",".join(entries) + b"]}"


class RefreshWriter(SheetWriter):
    """A SheetWriter whose rows replace the tab's rows of the same key (see the module doc)."""

    def write(self, report: Report) -> int:
        names = [column.name for column in report.columns]
        wanted = report.description.key_columns
        if not wanted or any(name not in names for name in wanted):
            raise FatalError(
                "refresh_days needs a report with one row per day and object, and the columns "
                "that say which (the day, the object's id, the breakdown values); this report has "
                "no such columns. Send the job again with refresh_days 0, or with those fields."
            )
        self._keys = [names.index(name) for name in wanted]
        # Rows are spooled USER_ENTERED, their text marked, when the report has a formula column.
        self._prefixed = any(column.kind == "formula" for column in report.columns)
        self._targets: list[int | None] = []
        return super().write(report)

    def _saved(self, names: Sequence[str]) -> Progress | None:
        return None  # the keys in the tab say what an earlier attempt wrote

    def _rows_to_add(self, workbook: Workbook, plan: Layout, spool: Spool) -> int:
        tab = workbook.find(self.title)
        index = KeyIndex() if tab is None else self._retry.call(lambda: self._read_keys(tab, plan))
        self._targets = [index.rows.get(key) for key in self._report_keys(spool)]
        added = self._targets.count(None)
        self._log_plan(index, replaced=len(self._targets) - added, added=added)
        return added

    def _read_keys(self, tab: Tab, plan: Layout) -> KeyIndex:
        spec = self._ctx.spec
        days = (float(serial(spec.fetch_start_date)), float(serial(spec.end_date)))
        positions = [plan.positions[i] for i in self._keys]
        return read_keys(self._client, tab, positions, plan.start_row - 1, days, self._page_cells)

    def _log_plan(self, index: KeyIndex, *, replaced: int, added: int) -> None:
        spec = self._ctx.spec
        left = len(index.rows) - replaced
        notes = [
            f"Refreshing {spec.fetch_start_date} to {spec.end_date} in tab '{self.title}': "
            f"{replaced:,} rows replace the rows already there, {added:,} are new."
        ]
        if left:
            notes.append(
                f"{left:,} rows of those days did not come back from the platform; left as they were."
            )
        if index.repeated:
            notes.append(f"{index.repeated:,} rows repeat a key already above them; left as they were.")
        self._ctx.log(" ".join(notes))

    def _report_keys(self, spool: Spool) -> Iterator[Key]:
        for line in spool.lines():
            cells = json.loads(line)
            yield tuple(key_cell(cells[i], prefixed=self._prefixed) for i in self._keys)

    def _write_values(self, progress: Progress, spool: Spool, encoder: RowEncoder, lock: TabLock) -> None:
        plan = progress.layout
        moved = plan.positions != list(range(len(plan.positions))) or plan.width != len(plan.positions)
        batch = _Batch()
        for line, target in zip(spool.lines(), self._targets, strict=True):
            if moved:
                line = placed(line, plan.positions, plan.width)
            if batch.runs and batch.size + len(line) + RANGE_OVERHEAD > self._chunk_bytes:
                self._send_batch(batch, progress, spool.rows, encoder, lock)
                batch = _Batch()
            if target is None:
                target = progress.next_row + batch.appended
                batch.appended += 1
            batch.add(target, line)
        if batch.runs:
            self._send_batch(batch, progress, spool.rows, encoder, lock)

    def _holds(self, progress: Progress, *, prepared: bool, cleared: bool) -> str:
        written = self._ctx.rows_written
        return (
            f"Wrote {written:,} of {len(self._targets):,} rows to tab '{self.title}' ({progress.rows_done:,} "
            "of them new, below its earlier rows). A retry reads the tab's rows again: the rows "
            "written so far are replaced, not added twice."
        )

    def _send_batch(
        self, batch: _Batch, progress: Progress, total: int, encoder: RowEncoder, lock: TabLock
    ) -> None:
        lock.check()
        body = batch.body(self.title, progress.layout.width, encoder.value_input_option)
        self._retry.call(lambda: self._client.batch_update_values(body))
        progress.rows_done += batch.appended
        progress.next_row += batch.appended
        self._ctx.add_rows_written(batch.rows)
        written = self._ctx.rows_written
        percent = FIRST_PERCENT + (LAST_PERCENT - FIRST_PERCENT) * written // max(total, 1)
        message = f"Wrote {written:,} of {total:,} rows to tab '{self.title}' (refreshing)"
        self._ctx.progress(percent, message)
        if self._status:
            self._status.maybe_update(percent, message)
