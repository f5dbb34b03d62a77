"""The hidden CURRENT_TASK_STATUS tab that the original's Sheets add-on reads (REPORT_STATUS_TO_SHEET).

Written at the start of the write (inside the job's structure batch, so it costs no call), at
the end, and at most once per interval in between, so it never eats much of the write quota.
A failure to update it never fails the job: the report itself is what matters.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.destinations.sheets import batch
from marketing_etl.destinations.sheets.a1 import quoted
from marketing_etl.destinations.sheets.client import SheetsClient
from marketing_etl.destinations.sheets.layout import Workbook
from marketing_etl.errors import EtlError

TITLE = "CURRENT_TASK_STATUS"
HEADER = ["task_id", "status", "progress", "message", "last_updated"]
CELLS = 2 * len(HEADER)

log = logging.getLogger(__name__)


class StatusTab:
    def __init__(
        self,
        ctx: JobContext,
        client: SheetsClient,
        *,
        interval_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ctx = ctx
        self._client = client
        self._interval_s = interval_s
        self._clock = clock
        self._last = clock()

    def extra_cells(self, workbook: Workbook) -> int:
        return 0 if workbook.find(TITLE) else CELLS

    def start_requests(self, workbook: Workbook, message: str) -> list[dict[str, Any]]:
        tab = workbook.find(TITLE)
        requests = []
        if tab is None:
            sheet_id = workbook.unused_sheet_id(offset=1)
            requests.append(batch.add_tab(sheet_id, TITLE, 2, len(HEADER), hidden=True))
        else:
            sheet_id = tab.sheet_id
        rows = [HEADER, self._values("RUNNING", 0, message)]
        requests.append(
            {
                "updateCells": {
                    "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                    "rows": [{"values": [{"userEnteredValue": _value(v)} for v in row]} for row in rows],
                    "fields": "userEnteredValue",
                }
            }
        )
        self._last = self._clock()
        return requests

    def maybe_update(self, percent: int, message: str) -> None:
        if self._clock() - self._last >= self._interval_s:
            self.update("RUNNING", percent, message)

    def update(self, status: str, percent: int, message: str) -> None:
        self._last = self._clock()
        try:
            self._client.update_values(f"{quoted(TITLE)}!A2", [self._values(status, percent, message)])
        except EtlError as exc:
            log.warning("Could not update the %s tab: %s", TITLE, exc.user_message)

    def _values(self, status: str, percent: int, message: str) -> list[Any]:
        task_id = self._ctx.spec.task_id or self._ctx.job_id
        return [task_id, status, percent, message, self._ctx.now().strftime("%Y-%m-%d %H:%M:%S UTC")]


def _value(value: Any) -> dict[str, Any]:
    if isinstance(value, int | float):
        return {"numberValue": value}
    return {"stringValue": str(value)}
