"""Deleting expired raw history in small batches (reached as `store.pruning`).

Each method deletes at most `limit` rows in one short transaction, so a pass over a year of
history never holds a lock that a worker's progress write would wait behind for long; the
caller (marketing_etl/maintenance.py) loops and paces the batches. Every method leaves the
records of QUEUED and RUNNING jobs alone, checked in the same statement that deletes, and each
adds what it deleted to the store's pruned-row totals together with the delete, so /metrics
counts every process's passes. API-call rollups and schedules are never touched here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class PruneKind(StrEnum):
    """What a pruned row was: the label of marketing_etl_pruned_rows_total."""

    JOBS = "jobs"
    LOGS = "logs"
    API_CALLS = "api_calls"


@dataclass
class Deleted:
    """Rows deleted, by kind."""

    rows: dict[PruneKind, int] = field(default_factory=lambda: dict.fromkeys(PruneKind, 0))

    def add(self, kind: PruneKind, count: int) -> None:
        self.rows[kind] += count

    def merge(self, other: Deleted) -> None:
        for kind, count in other.rows.items():
            self.add(kind, count)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


class Pruning(Protocol):
    @property
    def single_writer(self) -> bool:
        """True when the database admits one writer at a time (SQLite); the pass then pauses
        between batches so that other processes' writers get their turn."""

    def delete_api_calls_before(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` API-call records with ts < `before`; returns how many."""

    def delete_logs_before(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` log lines with ts < `before`; returns how many."""

    def expired_job_ids(self, created_before: datetime, limit: int) -> list[str]:
        """Up to `limit` finished (SUCCESS, FAILED, CANCELLED) jobs created before the bound."""

    def delete_api_calls_of(self, job_ids: Sequence[str], limit: int) -> int:
        """Delete up to `limit` API-call records of those of `job_ids` that are not active."""

    def delete_logs_of(self, job_ids: Sequence[str], limit: int) -> int:
        """Delete up to `limit` log lines of those of `job_ids` that are not active."""

    def delete_jobs(self, job_ids: Sequence[str], created_before: datetime) -> Deleted:
        """Delete those of `job_ids` still finished and created before the bound, with their
        tokens and any records left (normally none: delete_*_of went first, in batches)."""

    def pruned_totals(self) -> dict[PruneKind, int]:
        """Rows deleted by every pass so far, by kind (zeros included)."""
