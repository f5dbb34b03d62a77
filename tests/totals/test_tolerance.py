"""Tolerances and outcomes of the comparison itself: money within 0.5 % or one minor unit,
counts exact, explained differences noted rather than failed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from marketing_etl.contracts.totals import TotalsOutcome
from marketing_etl.contracts.totals_probe import AccountTotals, SummedColumn
from marketing_etl.transforms.totals_compare import compare, mismatch_message, within_tolerance

AT = datetime(2026, 3, 5, tzinfo=UTC)
D = Decimal


@pytest.mark.parametrize(
    ("platform", "report", "currency", "matches"),
    [
        (D("1.00"), D("0.99"), "USD", True),  # one cent: a minor unit, though 1 %
        (D("1.00"), D("0.98"), "USD", False),
        (D("1000.00"), D("995.00"), "USD", True),  # exactly 0.5 %
        (D("1000.00"), D("994.99"), "USD", False),
        (D("1000.00"), D("1005.00"), "USD", True),  # either way
        (D("150"), D("149"), "VND", True),  # one dong is VND's minor unit
        (D("150"), D("148"), "VND", False),
        (D("1000000"), D("995000"), "VND", True),
        (D("1000000"), D("994999"), "VND", False),
        (D("0.01"), D("0"), "", True),  # unknown currency: cents
    ],
)
def test_money_tolerance(platform: Decimal, report: Decimal, currency: str, matches: bool) -> None:
    assert within_tolerance(platform, report, money=True, currency=currency) is matches


def test_counts_must_be_exact() -> None:
    assert within_tolerance(D(100_000), D(100_000), money=False, currency="USD")
    assert not within_tolerance(D(100_000), D(99_999), money=False, currency="USD")


def test_an_explained_difference_matches_with_its_note() -> None:
    columns = (
        SummedColumn("spend", money=True),
        SummedColumn("impressions", money=False, note="zero-spend rows"),
    )
    platform = {"act_1": AccountTotals("USD", {"spend": D("10.00"), "impressions": D(120)})}

    check = compare("j", AT, columns, platform, {"1": {"spend": D("10.00"), "impressions": D(100)}}, ())

    assert check.outcome is TotalsOutcome.MATCH
    assert [(c.metric, c.matches, c.note) for c in check.comparisons] == [
        ("spend", True, ""),
        ("impressions", True, "zero-spend rows"),
    ]


def test_nothing_to_compare_is_skipped_and_a_missing_account_sums_to_zero() -> None:
    assert compare("j", AT, (), {}, {}, ()).outcome is TotalsOutcome.SKIPPED
    columns = (SummedColumn("spend", money=True),)
    check = compare("j", AT, columns, {"act_2": AccountTotals("EUR", {"spend": D("3.50")})}, {}, ())
    assert check.outcome is TotalsOutcome.MISMATCH
    assert mismatch_message(check.mismatches[0], "Facebook") == (
        "Totals check: spend for act_2 is 0 in the report and 3.50 on Facebook (-100.0 %)"
    )


def test_message_formats_thousands_and_percent() -> None:
    columns = (SummedColumn("spend", money=True),)
    platform = {"act_123": AccountTotals("USD", {"spend": D("1300.00")})}
    check = compare("j", AT, columns, platform, {"123": {"spend": D("1234.56")}}, ())
    assert mismatch_message(check.mismatches[0], "Facebook") == (
        "Totals check: spend for act_123 is 1,234.56 in the report and 1,300.00 on Facebook (-5.0 %)"
    )
