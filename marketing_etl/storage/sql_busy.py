"""Bounded retries for a SQLite write that found the database locked.

Within one process writers queue fairly (sqlite_writes.py), but another process (a CLI command,
a second server) can still hold SQLite's write lock past the busy timeout. A write that must not
fail for that, such as storing a new job, is rolled back and tried again with growing pauses,
up to a budget shorter than an HTTP client's usual timeout; then the caller gets StoreBusy.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

from marketing_etl.contracts.store import StoreBusy

T = TypeVar("T")

# With the busy timeout of the attempt in flight, a caller waits at most about 30 s.
BUSY_BUDGET_S = 20.0
_FIRST_PAUSE_S = 0.05
_MAX_PAUSE_S = 2.0
# SQLITE_BUSY and SQLITE_LOCKED, as the driver words them.
_BUSY_MESSAGES = ("database is locked", "database table is locked", "database is busy")


def is_busy(exc: sa.exc.OperationalError) -> bool:
    text = str(exc.orig).lower()
    return any(message in text for message in _BUSY_MESSAGES)


def retry_while_busy(attempt: Callable[[], T], budget_s: float) -> T:
    """attempt() must be one transaction, so a failed try leaves nothing behind."""
    deadline = time.monotonic() + budget_s
    pause_s = _FIRST_PAUSE_S
    tries = 0
    while True:
        tries += 1
        try:
            return attempt()
        except sa.exc.OperationalError as exc:
            if not is_busy(exc):
                raise
            remaining_s = deadline - time.monotonic()
            if remaining_s <= 0:
                raise StoreBusy(
                    f"the database stayed locked by other writers for {budget_s:.0f} s ({tries} tries)"
                ) from exc
            # Jitter, so writers that failed together do not come back together.
            time.sleep(min(remaining_s, pause_s * random.uniform(0.5, 1.0)))
            pause_s = min(pause_s * 2, _MAX_PAUSE_S)
