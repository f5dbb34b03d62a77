"""Comparing the sums of a job's rows with the platform's totals: tolerances, the outcome, and
the sentence that names a difference in the job's final message."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from marketing_etl.contracts.report import account_key
from marketing_etl.contracts.totals import MetricComparison, TotalsCheck, TotalsOutcome
from marketing_etl.contracts.totals_probe import AccountTotals, SummedColumn
from marketing_etl.fx.currencies import WHOLE_UNIT

MONEY_TOLERANCE = Decimal("0.005")  # 0.5 % of the platform's total
_CENT = Decimal("0.01")
_UNIT = Decimal(1)


def minor_unit(currency: str) -> Decimal:
    """One minor unit of the currency: 1 for VND and the like, 0.01 otherwise (also unknown)."""
    return _UNIT if currency in WHOLE_UNIT else _CENT


def within_tolerance(platform: Decimal, report: Decimal, *, money: bool, currency: str) -> bool:
    """Money: within 0.5 % of the platform's total or one minor unit, whichever is larger.
    Counts: exact."""
    difference = abs(platform - report)
    if not money:
        return difference == 0
    return difference <= max(minor_unit(currency), abs(platform) * MONEY_TOLERANCE)


def compare(
    job_id: str,
    checked_at: datetime,
    columns: tuple[SummedColumn, ...],
    platform: Mapping[str, AccountTotals],
    sums: Mapping[str, Mapping[str, Decimal]],
    notes: tuple[str, ...],
) -> TotalsCheck:
    """One comparison per account the platform answered for and column it totalled; `sums` are
    the rows' sums by account_key. A column with a note (an explained difference) matches
    whatever the numbers."""
    comparisons = []
    for account, answer in platform.items():
        for column in columns:
            if column.column not in answer.totals:
                continue
            platform_total = answer.totals[column.column]
            report_total = sums.get(account_key(account), {}).get(column.column, Decimal(0))
            close = within_tolerance(
                platform_total, report_total, money=column.money, currency=answer.currency
            )
            note = "" if close else column.note
            comparisons.append(
                MetricComparison(
                    account, column.column, platform_total, report_total, close or bool(note), note
                )
            )
    if not comparisons:
        outcome = TotalsOutcome.SKIPPED
    elif all(c.matches for c in comparisons):
        outcome = TotalsOutcome.MATCH
    else:
        outcome = TotalsOutcome.MISMATCH
    return TotalsCheck(job_id, checked_at, outcome, tuple(comparisons), notes)


def mismatch_message(comparison: MetricComparison, platform_name: str) -> str:
    """e.g. "Totals check: Spend for act_123 is 1,234.56 in the report and 1,300.00 on Facebook
    (-5.0 %)"."""
    report, platform = comparison.report_total, comparison.platform_total
    text = (
        f"Totals check: {comparison.metric} for {comparison.account} is {_number(report)} in the "
        f"report and {_number(platform)} on {platform_name}"
    )
    if platform:
        text += f" ({(report - platform) / platform * 100:+.1f} %)"
    return text


def _number(value: Decimal) -> str:
    """Counts and whole-unit amounts without decimals, other amounts with two."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return f"{value:,.0f}"
    return f"{value:,.2f}"
