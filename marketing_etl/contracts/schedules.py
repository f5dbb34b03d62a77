"""ScheduleStore: how schedules are kept, reached from any Store as `store.schedules`.

Several scheduler processes may run at once (the one inside `serve`, `marketing-etl scheduler`
containers), so claiming a firing is a compare-and-set on the schedule's next_run_at: exactly
one process moves it forward, and only that one creates the firing's job.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    # Named in annotations only: importing schedules/ (cron parsing, time zones) at run time
    # would lift this low module above `models`.
    from marketing_etl.schedules.model import Schedule

# Fields `update` may set. The firing state changes only through claim / record_firing.
DEFINITION_FIELDS = frozenset(
    {"name", "cron", "timezone", "date_range", "enabled", "job", "next_run_at", "notify"}
)


class ScheduleStore(Protocol):
    def insert(self, schedule: Schedule, token: bytes | None) -> bool:
        """False (and no change) if the schedule_id exists."""

    def get(self, schedule_id: str) -> Schedule | None: ...

    def all(self) -> list[Schedule]:
        """Every schedule, by name then id."""

    def token(self, schedule_id: str) -> bytes | None:
        """The encrypted access token, if any."""

    def update(self, schedule_id: str, token: bytes | None, now: datetime, **fields: Any) -> bool:
        """Replace definition fields (and the token, unless None); False if unknown."""

    def delete(self, schedule_id: str) -> bool: ...

    def due(self, now: datetime) -> list[Schedule]:
        """Enabled schedules whose next_run_at is at or before `now`."""

    def pending(self) -> list[Schedule]:
        """Schedules with a claimed firing that has no job and no error recorded yet."""

    def claim(self, schedule_id: str, expected_next: datetime, slot: datetime, next_run_at: datetime) -> bool:
        """Move next_run_at from `expected_next` to `next_run_at` and mark `slot` pending;
        False if another process did first (or the schedule changed meanwhile)."""

    def record_firing(self, schedule_id: str, slot: datetime, job_id: str | None, error: str | None) -> bool:
        """Record the job (or the reason there is none) of the firing at `slot`; False if a
        later firing has been claimed since."""

    def record_outcome(self, schedule_id: str, *, failed: bool) -> int | None:
        """A firing's job finished: add one to failures_in_row if it failed, else reset it to 0,
        in one atomic update. The new count; None if the schedule is gone."""
