"""Report rows encoded once and kept in a temporary file.

A report may be a lazy stream far larger than memory should hold. Spooling it first tells the
writer how many rows and how long the longest cell are before anything is written (so the
limits are checked up front), and lets the chunks be read back as ready JSON text.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from marketing_etl.context import JobContext
from marketing_etl.destinations.cells import text_length
from marketing_etl.destinations.sheets.encode import RowEncoder

PROGRESS_EVERY_ROWS = 20_000


@dataclass(frozen=True)
class LongCell:
    row: int  # 1-based report row
    column: str
    length: int


@dataclass
class Spool:
    rows: int
    payload_bytes: int
    longest: LongCell | None  # the first cell over the limit, if any
    _file: IO[bytes]

    def lines(self, skip: int = 0) -> Iterator[bytes]:
        """Each row as one JSON array (no newline), from row `skip` (0-based) on."""
        self._file.seek(0)
        for index, line in enumerate(self._file):
            if index >= skip:
                yield line.rstrip(b"\n")

    def line(self, index: int) -> bytes:
        """Row `index` (0-based) as one JSON array."""
        return next(self.lines(index))

    def close(self) -> None:
        self._file.close()


def spool_rows(
    ctx: JobContext,
    rows: Iterable[Sequence[Any]],
    encoder: RowEncoder,
    names: Sequence[str],
    max_cell_chars: int,
) -> Spool:
    # The Spool owns the file from here on and closes it; a failure below closes it at once.
    handle = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115
    count = 0
    payload = 0
    longest: LongCell | None = None
    try:
        for row in rows:
            ctx.check_cancel()
            cells = encoder.typed(row)
            if longest is None:
                longest = _too_long(cells, names, count + 1, max_cell_chars)
            line = json.dumps(encoder.encode(cells), ensure_ascii=False, separators=(",", ":"),
                              allow_nan=False).encode()
            handle.write(line + b"\n")
            payload += len(line) + 1
            count += 1
            if count % PROGRESS_EVERY_ROWS == 0:
                ctx.progress(None, f"Prepared {count:,} rows for Google Sheets")
    except BaseException:
        handle.close()
        raise
    return Spool(count, payload, longest, handle)


def _too_long(cells: Sequence[Any], names: Sequence[str], row: int, limit: int) -> LongCell | None:
    for cell, name in zip(cells, names, strict=False):
        length = text_length(cell)
        if length > limit:
            return LongCell(row, name, length)
    return None
