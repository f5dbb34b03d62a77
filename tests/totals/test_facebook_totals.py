"""The totals check on Facebook jobs, end to end: fake Graph API -> real client -> runner ->
test destination, the check stored with the job."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from marketing_etl.contracts.report import account_key
from marketing_etl.contracts.totals import TotalsOutcome
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.sources.facebook.totals import REACH_NOTE
from tests.facebook.conftest import JobRunner, Outcome
from tests.totals.conftest import FIELDS, OVERVIEW

COMPARED = ["spend", "impressions", "clicks", "Purchases", "Purchase Value"]


@pytest.fixture
def differing(world: World) -> Iterator[str]:
    account = next(iter(world.accounts))
    world.totals_differ.add(account)
    yield account
    world.totals_differ.clear()


def overview_spec(runner: JobRunner) -> JobSpec:
    return runner.spec(OVERVIEW, task_type="facebook_performance", selected_fields=FIELDS)


def column_sums(outcome: Outcome) -> dict[tuple[str, str], Decimal]:
    header = outcome.header
    sums: dict[tuple[str, str], Decimal] = {}
    for row in outcome.rows:
        account = f"act_{account_key(row[header.index('account_id')])}"
        for metric in COMPARED:
            value: Any = row[header.index(metric)]
            key = (account, metric)
            sums[key] = sums.get(key, Decimal(0)) + Decimal(str(value or 0))
    return sums


def insights_calls(outcome: Outcome) -> int:
    calls = outcome.services.store.get_api_calls(outcome.job.job_id)
    return sum(1 for call in calls if call.endpoint.endswith("/insights"))


def test_matching_totals_are_stored_with_the_sums_of_the_rows(runner: JobRunner) -> None:
    outcome = runner.run(overview_spec(runner), totals_check=True)

    assert outcome.status is JobStatus.SUCCESS
    check = outcome.services.store.totals_checks.get(outcome.job.job_id)
    assert check is not None and check.outcome is TotalsOutcome.MATCH
    sums = column_sums(outcome)
    assert {(c.account, c.metric) for c in check.comparisons} == set(sums)
    for comparison in check.comparisons:
        assert comparison.report_total == sums[(comparison.account, comparison.metric)]
        assert comparison.platform_total == comparison.report_total and comparison.matches
    assert sums[(check.comparisons[0].account, "spend")] > 0
    assert check.notes == (REACH_NOTE,)  # reach is selected, never compared
    assert "Totals check" not in (outcome.job.message or "")


def test_a_differing_account_ends_success_with_a_warning_naming_metric_and_account(
    runner: JobRunner, differing: str
) -> None:
    outcome = runner.run(overview_spec(runner), totals_check=True)

    assert outcome.status is JobStatus.SUCCESS
    check = outcome.services.store.totals_checks.get(outcome.job.job_id)
    assert check is not None and check.outcome is TotalsOutcome.MISMATCH
    [mismatch] = check.mismatches
    assert (mismatch.account, mismatch.metric) == (f"act_{differing}", "spend")
    assert (
        mismatch.platform_total > mismatch.report_total == column_sums(outcome)[(mismatch.account, "spend")]
    )
    message = outcome.job.message or ""
    assert f"Totals check: spend for act_{differing} is " in message and "(-4.8 %)" in message
    assert "Totals check: spend" in outcome.logs()
    assert outcome.services.store.totals_checks.count_mismatches(None, None) == 1


def test_totals_check_off_costs_no_call_and_stores_nothing(runner: JobRunner) -> None:
    spec = overview_spec(runner)
    on = runner.run(spec, totals_check=True)
    off = runner.run(overview_spec(runner), totals_check=False)

    assert off.status is JobStatus.SUCCESS and off.table == on.table
    assert insights_calls(on) - insights_calls(off) == len(spec.accounts)
    assert off.services.store.totals_checks.get(off.job.job_id) is None


def test_zero_spend_filtered_template_explains_its_counts(runner: JobRunner) -> None:
    fields = ["account_id", "date_start", "campaign_name", "spend", "impressions", "clicks"]
    outcome = runner.run(runner.spec("Campaign Daily Report", selected_fields=fields), totals_check=True)

    check = outcome.services.store.totals_checks.get(outcome.job.job_id)
    assert check is not None and check.outcome is TotalsOutcome.MATCH
    notes = {c.metric: c.note for c in check.comparisons}
    assert notes["spend"] == ""
    # Equal numbers need no explanation; a difference in them would be explained, not failed.
    assert all(c.platform_total == c.report_total for c in check.comparisons)


def test_region_rows_lacking_off_meta_conversions_are_explained_not_flagged(runner: JobRunner) -> None:
    fields = ["account_id", "region", "campaign_name", "spend", "Website Purchases", "Purchases"]
    spec = runner.spec(
        "Campaign Performance by Region", task_type="facebook_breakdown", selected_fields=fields
    )
    outcome = runner.run(spec, totals_check=True)

    assert outcome.status is JobStatus.SUCCESS
    check = outcome.services.store.totals_checks.get(outcome.job.job_id)
    assert check is not None and check.outcome is TotalsOutcome.MATCH
    spend = [c for c in check.comparisons if c.metric == "spend"]
    assert spend and all(c.platform_total == c.report_total and c.note == "" for c in spend)
    explained = [c for c in check.comparisons if c.platform_total != c.report_total]
    assert explained, "the fake's region rows should lack the off-Meta conversions"
    assert all(c.matches and "off-Facebook conversions" in c.note for c in explained)
    assert "Totals check" not in (outcome.job.message or "")


def test_without_the_account_column_all_accounts_are_compared_together(runner: JobRunner) -> None:
    fields = ["campaign_name", "spend", "clicks"]
    spec = runner.spec(OVERVIEW, task_type="facebook_performance", selected_fields=fields)
    outcome = runner.run(spec, totals_check=True)

    check = outcome.services.store.totals_checks.get(outcome.job.job_id)
    assert check is not None and check.outcome is TotalsOutcome.MATCH
    header = outcome.header
    assert [(c.account, c.metric) for c in check.comparisons] == [
        ("all accounts", "spend"),
        ("all accounts", "clicks"),
    ]
    for comparison in check.comparisons:
        column = header.index(comparison.metric)
        total = sum((Decimal(str(row[column])) for row in outcome.rows), Decimal(0))
        assert comparison.report_total == comparison.platform_total == total
