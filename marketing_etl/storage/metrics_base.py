"""Aggregates behind GET /metrics, computed by the database (reached as `store.metrics`).

Workers run in other processes and containers, so the store is the one place that sees every
job and API call; the API process reads totals from it when scraped instead of counting in
memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

# Upper bounds (seconds) of the job duration histogram: 10 s to 1 h, the hard time limit's range.
DURATION_BUCKETS_S = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)
# Usage keys under which clients record the seconds they slept for a rate limit before a call.
WAIT_USAGE_KEYS = ("wait_s", "backoff_s", "budget_wait_s")
OK, ERROR = "ok", "error"


@dataclass
class Durations:
    """Cumulative counts per DURATION_BUCKETS_S bound, like a Prometheus histogram."""

    buckets: list[int] = field(default_factory=lambda: [0] * len(DURATION_BUCKETS_S))
    count: int = 0
    sum_s: float = 0.0


@dataclass
class CallTotals:
    calls: int = 0
    wait_s: float = 0.0


@dataclass
class QueueSummary:
    depth: int = 0  # QUEUED jobs
    oldest_queued_at: datetime | None = None  # when the longest-waiting one was queued


class MetricsQueries(Protocol):
    def jobs_by_status_and_type(self) -> dict[tuple[str, str], int]: ...

    def queue_summary(self) -> QueueSummary:
        """QUEUED jobs and the earliest "queued since" among them, in one query."""

    def finished_durations(self) -> dict[str, Durations]:
        """Per task type, over finished jobs that started."""

    def api_call_totals(
        self, since: datetime | None, until: datetime | None
    ) -> dict[tuple[str, str], CallTotals]:
        """Per (platform, OK|ERROR), calls with since <= ts < until (either bound optional)."""
