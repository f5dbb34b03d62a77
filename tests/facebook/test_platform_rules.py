"""Meta's 2025-2026 data rules against the fake Graph API: 13-month retention (422), reach with
old breakdowns (async allowance, else blank cells), the hourly opt-in and its run allowance, and
off-Meta conversions missing by region and hour."""

from __future__ import annotations

from datetime import date

import pytest

from marketing_etl.job_spec import JobSpec
from marketing_etl.models import JobStatus
from marketing_etl.ratelimit import Limit
from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook import FacebookSource
from marketing_etl.sources.facebook.allowances import DAY_S
from marketing_etl.sources.facebook.catalog import find_template
from marketing_etl.sources.facebook.checks import catalog_of
from marketing_etl.sources.facebook.usage import parse_usage
from tests.facebook.conftest import JobRunner
from tests.facebook.expected import expected_table

TODAY = date(2026, 12, 7)
OLD = "2025-10-01"  # more than 13 months before TODAY
HOURLY = "Campaign Performance by Hour (Audience Time)"
LOCATION = "LOCATION_DETAILED_REPORT"
REACH_COLUMNS = ["date_start", "account_id", "id", "country", "region", "spend", "reach", "frequency"]


def _validate(runner: JobRunner, spec: JobSpec) -> list[tuple[str, str]]:
    source = FacebookSource(today=lambda: TODAY)
    return [(p.field, p.message) for p in source.validate(spec, Settings(_env_file=None))]


def test_hourly_and_unique_fields_older_than_13_months_are_refused_naming_the_earliest_start(
    runner: JobRunner,
) -> None:
    hourly = _validate(runner, runner.spec(HOURLY, start_date=OLD, end_date="2025-10-02"))
    assert hourly == [
        (
            "start_date",
            f"start_date {OLD} is too early for the '{HOURLY}' template's hourly breakdown: since "
            "2026-01-12 Facebook keeps them for 13 months only. The earliest allowed start_date is "
            "2025-11-07.",
        )
    ]
    unique = _validate(runner, runner.spec("Account Daily Report", start_date=OLD, end_date="2025-10-02"))
    assert unique[0][0] == "start_date"
    assert "unique-count fields ('Cost per unique link click')" in unique[0][1]
    assert unique[0][1].endswith("start_date is 2025-11-07; or leave those fields out.")
    without_unique = runner.spec(
        "Account Daily Report", start_date=OLD, end_date="2025-10-02", selected_fields=["spend", "reach"]
    )
    assert _validate(runner, without_unique) == []
    assert _validate(runner, runner.spec(HOURLY, start_date="2025-11-07", end_date="2025-11-08")) == []


def _old_location(runner: JobRunner) -> JobSpec:
    return runner.spec(
        LOCATION,
        start_date=OLD,
        end_date="2025-10-02",
        selected_fields=REACH_COLUMNS,
        accounts=runner.accounts(1),
    )


def test_reach_with_an_old_breakdown_comes_from_an_async_run(
    runner: JobRunner, graph: FakeGraph, world: World
) -> None:
    graph.rules.today = TODAY
    outcome = runner.run(_old_location(runner), today=TODAY)
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    template = find_template(LOCATION)
    assert template is not None
    expected = expected_table(
        world, template, REACH_COLUMNS, runner.accounts(1), date(2025, 10, 1), date(2025, 10, 2)
    )
    assert outcome.table == expected
    assert all(isinstance(row[6], int) and row[6] > 0 for row in outcome.rows)
    account = runner.accounts(1)[0]["id"]
    assert graph.calls("POST", f"{account}/insights")
    assert graph.rules.reach_runs == {account.removeprefix("act_"): 1}


def test_without_a_reach_allowance_the_cells_are_blank_and_the_message_says_why(
    runner: JobRunner, graph: FakeGraph
) -> None:
    graph.rules.today = TODAY
    account = runner.accounts(1)[0]["id"]
    for _ in range(10):  # other jobs used today's allowance
        assert runner.allowances.try_acquire(f"reach:{account}", [Limit(10, DAY_S)]) == 0
    outcome = runner.run(_old_location(runner), today=TODAY)
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    assert outcome.rows and all(row[6] is None and row[7] is None for row in outcome.rows)
    assert all(row[5] > 0 for row in outcome.rows)
    assert not graph.calls("POST", "insights")
    assert f"Reach and frequency are left blank for ad account {account}" in outcome.job.message
    assert "Run the job again later, or start it on or after 2025-11-07" in outcome.job.message


def test_a_reach_run_facebook_refuses_is_fetched_again_without_reach(
    runner: JobRunner, graph: FakeGraph
) -> None:
    graph.rules.today = TODAY
    account = runner.accounts(1)[0]["id"]
    graph.rules.reach_runs[account.removeprefix("act_")] = 10  # Facebook counted 10 already
    outcome = runner.run(_old_location(runner), today=TODAY)
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    assert outcome.rows and all(row[6] is None and row[7] is None for row in outcome.rows)
    assert f"Reach and frequency are left blank for ad account {account}" in outcome.job.message


def test_the_reach_throttle_header_is_read() -> None:
    headers = {"x-fb-ads-insights-reach-throttle": '{"acc_id_util_pct":100}'}
    assert parse_usage(headers, "act_1").reach_pct == 100.0
    assert parse_usage({"x-fb-ads-insights-reach-throttle": "not json"}, "act_1").reach_pct is None


def test_an_account_without_the_hourly_opt_in_is_warned_about(
    runner: JobRunner, graph: FakeGraph, world: World
) -> None:
    first, second = runner.accounts(2)
    world.needs_hourly_opt_in.add(first["id"].removeprefix("act_"))
    try:
        outcome = runner.run(runner.spec(HOURLY, selected_fields=["account_id", "hour_of_day", "spend"]))
    finally:
        world.needs_hourly_opt_in.clear()
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    assert {row[0] for row in outcome.rows} == {second["id"]}
    message = outcome.job.message or ""
    assert (
        f"Facebook returned no hourly rows for ad account {first['id']} from 2026-03-01 to 2026-03-04"
        in message
    )
    assert "must opt in to hourly breakdowns in Ads Manager" in message
    assert second["id"] not in message


def test_a_used_up_hourly_allowance_fails_the_job_before_calling(runner: JobRunner, graph: FakeGraph) -> None:
    for account in runner.accounts():
        for _ in range(10):  # the test world's accounts have 12 ads: min(10, 12) runs a day
            assert runner.allowances.try_acquire(f"hourly-runs:{account['id']}", [Limit(10, DAY_S)]) == 0
    outcome = runner.run(runner.spec(HOURLY))
    assert outcome.status is JobStatus.FAILED
    assert "10 hourly-breakdown report runs per 24 hours" in (outcome.job.message or "")
    assert "The next one is allowed at " in (outcome.job.message or "")
    assert not graph.calls("POST", "insights")


def test_region_reports_count_on_facebook_conversions_only(runner: JobRunner, world: World) -> None:
    selected = ["campaign_id", "region", "spend", "Website Purchases", "On-Facebook Purchases", "Leads"]
    outcome = runner.run(
        runner.spec(
            "Campaign Performance by Region", task_type="facebook_breakdown", selected_fields=selected
        )
    )
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    assert outcome.rows and all(row[3] == 0 and row[5] == 0 for row in outcome.rows)
    assert any(row[4] > 0 for row in outcome.rows)
    assert (
        "With the 'Campaign Performance by Region' template's region breakdown Facebook reports no "
        "website or other off-Facebook conversions: Website Purchases, Leads count only actions on "
        "Facebook and Instagram"
    ) in (outcome.job.message or "")


@pytest.mark.parametrize(
    ("name", "task_type", "says"),
    [
        (
            "Campaign Performance by Region",
            "facebook_breakdown",
            "region breakdown Facebook reports no website",
        ),
        (HOURLY, "facebook_daily", "must opt in to hourly breakdowns in Ads Manager"),
        (HOURLY, "facebook_daily", "hourly breakdown Facebook reports no website"),
    ],
)
def test_the_catalog_describes_each_templates_limits(name: str, task_type: str, says: str) -> None:
    described = {t.name: t.description for t in catalog_of(task_type).templates}
    assert says in described[name]
    assert described.get("Campaign Daily Report", "") == ""
