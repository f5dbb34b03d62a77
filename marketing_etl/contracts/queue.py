"""What the sweeper needs to re-publish queued jobs whose broker message may be lost
(reached as `store.queue`; see executors/resend.py).

A job is "queued since" its queued_at, or its created_at when stored before queued_at existed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from marketing_etl.models import Job


class QueueQueries(Protocol):
    def due_for_resend(self, queued_before: datetime, now: datetime, limit: int) -> list[Job]:
        """QUEUED jobs queued before `queued_before` whose next_resend_at is empty or not after
        `now`, longest waiting first, at most `limit`."""

    def defer_resend(self, job_id: str, seen: datetime | None, until: datetime) -> bool:
        """Set next_resend_at to `until` if the job is still QUEUED and its next_resend_at is
        still `seen`; True if it applied. Several sweepers may look at one job: only the one
        whose update applies publishes it."""
