"""The totals check over long ranges on the breakdown templates whose rows are split finest.

A sandbox run of the hourly template over a year once reported 17x the account's spend: the
fake then drew each hour bucket as a whole day of its own instead of a share of the day, so the
hourly rows added up to far more than the account-level totals. Pinned here: over a range up
to the 13-month retention edge the hourly rows add up to Facebook's account totals exactly, a
start beyond it is refused before any call (nothing is checked), and the region template, which
has no short retention, matches over two years.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from marketing_etl.contracts.totals import TotalsOutcome
from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
from marketing_etl.sandbox.fakes.facebook_world import World
from tests.facebook.conftest import JobRunner, Outcome
from tests.fakes.server import serve_app

TODAY = date(2026, 12, 7)
EARLIEST_HOURLY = date(2025, 11, 7)  # 13 months before TODAY
HOUR = "Campaign Performance by Hour (Audience Time)"
REGION = "Campaign Performance by Region"
COMPARED = ("spend", "impressions", "clicks")


@pytest.fixture(scope="module")
def small_world() -> Iterator[tuple[FakeGraph, str, World]]:
    # One account with few ads keeps a year of hourly rows small; ten ads allow the async hourly
    # runs a year takes (Facebook grants min(10, ads) a day).
    world = World(accounts=1, campaigns=1, adsets=2, ads=5, seed="long-range")
    graph = FakeGraph(world)
    with serve_app(graph.app) as url:
        yield graph, url, world


@pytest.fixture
def runner(tmp_path: Path, small_world: tuple[FakeGraph, str, World]) -> Iterator[JobRunner]:
    graph, url, world = small_world
    graph.reset()
    graph.rules.today = TODAY
    jobs = JobRunner(tmp_path, url, world)
    yield jobs
    jobs.close()


def run(runner: JobRunner, template: str, start: date, *fields: str) -> Outcome:
    task = "facebook_daily" if template == HOUR else "facebook_breakdown"
    selected = ["account_id", "campaign_name", *fields, *COMPARED]
    spec = runner.spec(
        template, task_type=task, start_date=start, end_date=date(2026, 12, 6), selected_fields=selected
    )
    return runner.run(spec, totals_check=True, today=TODAY)


def sheet_sums(outcome: Outcome) -> dict[str, Decimal]:
    header = outcome.header
    return {
        m: sum((Decimal(str(row[header.index(m)] or 0)) for row in outcome.rows), Decimal(0))
        for m in COMPARED
    }


def insights_calls(outcome: Outcome) -> int:
    calls = outcome.services.store.get_api_calls(outcome.job.job_id)
    return sum(1 for call in calls if call.endpoint.endswith("/insights"))


def assert_matches_the_sheet(outcome: Outcome) -> None:
    assert outcome.status is JobStatus.SUCCESS, (outcome.job.message, outcome.logs()[-1500:])
    check = outcome.services.store.totals_checks.get(outcome.job.job_id)
    assert check is not None and check.outcome is TotalsOutcome.MATCH
    written = sheet_sums(outcome)
    assert written["spend"] > 0
    spend = next(c for c in check.comparisons if c.metric == "spend")
    # Spend has no explained difference: the rows add up to the account's total to the cent.
    assert spend.platform_total == spend.report_total == written["spend"] and not spend.note
    for comparison in check.comparisons:
        assert comparison.report_total == written[comparison.metric]
    assert "Totals check" not in (outcome.job.message or "")


def test_hourly_rows_add_up_to_the_account_totals_up_to_the_retention_edge(runner: JobRunner) -> None:
    outcome = run(runner, HOUR, EARLIEST_HOURLY, "hour_of_day", "date_start")

    assert_matches_the_sheet(outcome)
    header = outcome.header
    days = {row[header.index("date_start")] for row in outcome.rows}
    assert min(days) == EARLIEST_HOURLY and len(outcome.rows) > 2 * len(days)


def test_an_hourly_start_beyond_retention_is_refused_and_not_checked(runner: JobRunner) -> None:
    outcome = run(runner, HOUR, date(2025, 11, 6), "hour_of_day", "date_start")

    assert outcome.status is JobStatus.FAILED
    assert f"The earliest allowed start_date is {EARLIEST_HOURLY}" in (outcome.job.message or "")
    assert outcome.services.store.totals_checks.get(outcome.job.job_id) is None
    assert insights_calls(outcome) == 0


def test_region_rows_add_up_to_the_account_totals_over_two_years(runner: JobRunner) -> None:
    assert_matches_the_sheet(run(runner, REGION, date(2024, 12, 1), "region"))
