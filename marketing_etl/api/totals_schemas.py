"""The totals check as the API shows it: a summary in GET /reports/{job_id}, every comparison on
the dashboard's job page. Amounts are decimal strings, as exact as the platform sent them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from marketing_etl.contracts.totals import MetricComparison, TotalsCheck, TotalsOutcome


class ComparisonOut(BaseModel):
    account: str
    metric: str = Field(description="the report's column")
    platform_total: str = Field(description="the platform's account-level total, a decimal string")
    report_total: str = Field(description="the sum of the job's rows, a decimal string")
    difference: str = Field(description="report_total - platform_total")
    matches: bool = Field(description="within tolerance (money 0.5 % or one minor unit, counts exact)")
    note: str = Field(description="why a difference is expected; such a difference is not a mismatch")


class TotalsCheckSummary(BaseModel):
    outcome: TotalsOutcome = Field(description="match, mismatch or skipped (nothing comparable)")
    checked_at: datetime
    compared: int = Field(description="metric totals compared, over all accounts")
    mismatched: int
    mismatches: list[ComparisonOut]
    notes: list[str] = Field(description="explained exclusions, e.g. reach is never compared")


class TotalsCheckOut(TotalsCheckSummary):
    comparisons: list[ComparisonOut] = Field(description="per account and metric")


def comparison_out(comparison: MetricComparison) -> ComparisonOut:
    return ComparisonOut(
        account=comparison.account,
        metric=comparison.metric,
        platform_total=str(comparison.platform_total),
        report_total=str(comparison.report_total),
        difference=str(comparison.report_total - comparison.platform_total),
        matches=comparison.matches,
        note=comparison.note,
    )


def totals_summary(check: TotalsCheck | None) -> TotalsCheckSummary | None:
    if check is None:
        return None
    return TotalsCheckSummary(
        outcome=check.outcome,
        checked_at=check.checked_at,
        compared=len(check.comparisons),
        mismatched=len(check.mismatches),
        mismatches=[comparison_out(c) for c in check.mismatches],
        notes=list(check.notes),
    )


def totals_detail(check: TotalsCheck | None) -> TotalsCheckOut | None:
    summary = totals_summary(check)
    if summary is None or check is None:
        return None
    return TotalsCheckOut(**summary.model_dump(), comparisons=[comparison_out(c) for c in check.comparisons])
