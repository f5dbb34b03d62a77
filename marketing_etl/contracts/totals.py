"""Totals checks: after a job fetched its rows, the platform's own totals for the same range
compared with the sums of those rows, so a report that disagrees with Ads Manager says so.

Reached from any Store as `store.totals_checks`; one check per job (a retry replaces it).
Amounts are Decimals, kept as text where the database has no exact decimal type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class TotalsOutcome(StrEnum):
    MATCH = "match"  # every compared metric within its tolerance
    MISMATCH = "mismatch"  # at least one metric of one account differs
    SKIPPED = "skipped"  # nothing comparable (TOTALS_CHECK=0 is not stored at all)


@dataclass(frozen=True)
class MetricComparison:
    account: str  # the account's id as the job names it (act_…, advertiser id, store id)
    metric: str  # the report's field name
    platform_total: Decimal
    report_total: Decimal
    matches: bool  # within the metric's tolerance
    note: str = ""  # why a difference is expected or tolerated, in words a marketer reads


@dataclass(frozen=True)
class TotalsCheck:
    job_id: str
    checked_at: datetime
    outcome: TotalsOutcome
    comparisons: tuple[MetricComparison, ...] = ()
    notes: tuple[str, ...] = ()  # explained exclusions (reach not additive, zero-spend rows …)

    @property
    def mismatches(self) -> tuple[MetricComparison, ...]:
        return tuple(c for c in self.comparisons if not c.matches)


class TotalsCheckStore(Protocol):
    def put(self, check: TotalsCheck) -> None:
        """Store the job's check, replacing an earlier one (a retry checks again)."""

    def get(self, job_id: str) -> TotalsCheck | None: ...

    def count_mismatches(self, since: datetime | None, until: datetime | None) -> int:
        """Jobs whose check found a mismatch, checked in [since, until) (None: unbounded);
        indexed on (outcome, checked_at), so the cost follows mismatches, not history."""

    def delete_for_jobs(self, job_ids: list[str]) -> int:
        """Drop the checks of pruned jobs; returns how many."""
