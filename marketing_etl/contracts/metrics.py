"""Aggregates behind GET /metrics, computed by the database (reached as `store.metrics`).

Workers run in other processes and containers, so the store is the one place that sees every
job and API call; the API process reads totals from it when scraped instead of counting in
memory. The API-call counters come from the rollups (`store.rollups`, contracts/rollups.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

# Upper bounds (seconds) of the job duration histogram: 10 s to 1 h, the hard time limit's range.
DURATION_BUCKETS_S = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)


@dataclass
class Durations:
    """Cumulative counts per DURATION_BUCKETS_S bound, like a Prometheus histogram."""

    buckets: list[int] = field(default_factory=lambda: [0] * len(DURATION_BUCKETS_S))
    count: int = 0
    sum_s: float = 0.0


@dataclass
class QueueSummary:
    depth: int = 0  # QUEUED jobs
    oldest_queued_at: datetime | None = None  # when the longest-waiting one was queued


class MetricsQueries(Protocol):
    """Jobs by status and task type and the duration histogram come from the dashboard's own
    aggregates (`store.job_stats`, contracts/job_stats.py), as one query."""

    def queue_summary(self) -> QueueSummary:
        """QUEUED jobs and the earliest "queued since" among them, in one query."""
