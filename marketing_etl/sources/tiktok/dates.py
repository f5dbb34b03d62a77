"""Date windows the GMV Max report accepts for one request.

TikTok caps the range of one report call by its time dimension: 30 days with a daily dimension,
365 days without one. Dates are the ad account's own calendar days, passed through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

DAILY_MAX_DAYS = 30
UNDIVIDED_MAX_DAYS = 365


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    def params(self) -> dict[str, str]:
        return {"start_date": self.start.isoformat(), "end_date": self.end.isoformat()}


def windows(start: date, end: date, max_days: int) -> list[Window]:
    """Consecutive windows of at most `max_days` days covering start..end (both included)."""
    if end < start:
        return []
    result: list[Window] = []
    cursor = start
    while cursor <= end:
        last = min(end, cursor + timedelta(days=max_days - 1))
        result.append(Window(cursor, last))
        cursor = last + timedelta(days=1)
    return result
