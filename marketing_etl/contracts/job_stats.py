"""Aggregates over jobs, computed by the database (reached as `store.job_stats`).

One set of queries serves the dashboard (cards, status / task-type / template mixes, top users)
and GET /metrics (jobs by status and task type, the duration histogram). Each figure is one
GROUP BY (SQL) or one aggregation pipeline (MongoDB) over the jobs created in a window,
optionally only those of some task types (a platform's); none brings rows of jobs back.

A job's duration is finished_at - started_at, computed by the database to the millisecond, and
counts only for finished jobs (SUCCESS, FAILED, CANCELLED) that have both times: a running job's
time is still growing, and a job cancelled before it started never ran.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from marketing_etl.contracts.metrics import DURATION_BUCKETS_S


@dataclass
class StatusTypeFigures:
    """The jobs of one (status, task type) in the window."""

    jobs: int = 0
    rows_written: int = 0
    timed: int = 0  # finished jobs with a start and an end
    duration_sum_s: float = 0.0  # over `timed`
    # Cumulative counts of `timed` jobs per DURATION_BUCKETS_S bound (a Prometheus histogram);
    # zeros unless asked for.
    duration_buckets: list[int] = field(default_factory=lambda: [0] * len(DURATION_BUCKETS_S))


@dataclass
class UserFigures:
    """Most jobs and most FAILED jobs per user (most first, ties by e-mail), and how many users
    created a job in the window at all."""

    top: list[tuple[str, int]] = field(default_factory=list)
    top_failed: list[tuple[str, int]] = field(default_factory=list)
    distinct: int = 0


class JobStats(Protocol):
    """`since`: jobs created at or after it (None: all time). `task_types`: only these (None:
    every task type; empty: none)."""

    def by_status_and_type(
        self,
        since: datetime | None = None,
        task_types: Collection[str] | None = None,
        *,
        histogram: bool = False,
        counts_only: bool = False,
    ) -> dict[tuple[str, str], StatusTypeFigures]:
        """Per (status, task_type) present: counts, rows written, durations; with `histogram`,
        the duration buckets too (each bucket compares every duration, so only when asked);
        with `counts_only`, the counts alone (the rest zero: reading no time is cheaper)."""

    def top_templates(
        self, since: datetime | None, task_types: Collection[str] | None, limit: int
    ) -> list[tuple[str, int]]:
        """Jobs per template name (jobs without one are left out), most first, ties by name."""

    def users(self, since: datetime | None, task_types: Collection[str] | None, limit: int) -> UserFigures:
        """Top `limit` users by jobs and by FAILED jobs (users without failures are not in
        `top_failed`), and the number of distinct users."""
