"""What the source asks Facebook for: the fewest calls, sync or async, and split requests when
Facebook asks for less data."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.sources.facebook.catalog import find_template
from marketing_etl.sources.facebook.insights import date_windows
from marketing_etl.sources.facebook.metadata import MetadataCache
from marketing_etl.sources.facebook.plan import plan_report
from tests.facebook.conftest import JobRunner
from tests.facebook.expected import expected_table

START, END = date(2026, 3, 1), date(2026, 3, 4)


def _check(
    outcome: Any,
    world: World,
    runner: JobRunner,
    template_name: str,
    fields: list[str],
    end: date = END,
    accounts: int | None = None,
) -> None:
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    template = find_template(template_name)
    assert template is not None
    assert outcome.table == expected_table(world, template, fields, runner.accounts(accounts), START, end)


def _time_ranges(graph: FakeGraph, method: str = "GET") -> list[tuple[str, str]]:
    found = []
    for call in graph.calls(method, "insights"):
        if "time_range" in call.params:
            rng = json.loads(call.params["time_range"])
            found.append((rng["since"], rng["until"]))
    return found


def test_one_insights_stream_per_account_carrying_every_field(
    runner: JobRunner, graph: FakeGraph, world: World
) -> None:
    template = find_template("Campaign Daily Report")
    assert template is not None
    outcome = runner.run(
        runner.spec(template.name, selected_fields=list(template.fields)), facebook_page_size=500
    )
    _check(outcome, world, runner, template.name, list(template.fields))
    assert sorted(c.path for c in graph.requests) == sorted(f"act_{a}/insights" for a in world.accounts)
    params = graph.requests[0].params
    assert params["time_increment"] == "1" and params["level"] == "campaign"
    assert json.loads(params["filtering"])[0] == {"field": "spend", "operator": "GREATER_THAN", "value": "0"}
    assert "actions" in params["fields"].split(",") and "breakdowns" not in params


def test_aggregate_templates_ask_for_every_row_without_time_increment(
    runner: JobRunner, graph: FakeGraph
) -> None:
    runner.run(runner.spec("Campaign Performance by Region", task_type="facebook_breakdown"))
    params = graph.requests[0].params
    assert "time_increment" not in params and "filtering" not in params
    assert params["breakdowns"] == "region" and "region" not in params["fields"].split(",")


def test_metadata_in_batches_only_when_a_field_needs_it(
    runner: JobRunner, graph: FakeGraph, world: World
) -> None:
    fields = ["id", "name", "status", "creative_title", "page_name", "spend"]
    outcome = runner.run(runner.spec("Ad Creative Daily Report", selected_fields=fields))
    _check(outcome, world, runner, "Ad Creative Daily Report", fields)
    reads = graph.calls("GET", "")
    object_reads = [c for c in reads if "ids" in c.params]
    ad_reads = [c for c in object_reads if c.params["fields"] == "id,status,creative{actor_id,title}"]
    page_reads = [c for c in object_reads if c.params["fields"] == "id,name"]
    assert len(ad_reads) == len(world.accounts)  # one batch per account: 12 ads each
    assert len(page_reads) == 1  # both accounts' ads use the same two pages: read once
    assert len(object_reads) == len(ad_reads) + len(page_reads)
    assert all(c.path.endswith("insights") or "ids" in c.params for c in graph.requests)
    graph.requests.clear()
    runner.run(runner.spec("Ad Creative Daily Report", selected_fields=["id", "name", "spend", "Purchases"]))
    assert all(c.path.endswith("insights") for c in graph.requests)


def test_metadata_is_read_once_per_object_in_batches_of_fifty() -> None:
    class Reader:
        def __init__(self) -> None:
            self.calls: list[list[str]] = []

        def read_objects(self, ids: list[str], fields: str, *, account_id: str) -> dict[str, Any]:
            self.calls.append(ids)
            return {i: {"id": i, "status": "ACTIVE", "daily_budget": "12345"} for i in ids}

    reader = Reader()
    cache = MetadataCache(reader, frozenset({"status", "daily_budget"}))
    ids = [str(n) for n in range(120)]
    first = cache.lookup(ids, account_id="act_1", currency="USD")
    again = cache.lookup([*ids[:60], "120"], account_id="act_1", currency="VND")
    assert [len(c) for c in reader.calls] == [50, 50, 20, 1]
    assert first["7"]["daily_budget"] == 123.45 and first["7"]["status"] == "ACTIVE"
    assert again["120"]["daily_budget"] == 12345  # VND has no minor unit


def test_large_requests_run_as_async_reports(runner: JobRunner, graph: FakeGraph, world: World) -> None:
    graph.polls_to_complete = 3
    template = find_template("AGE & GENDER_DETAILED_REPORT")
    assert template is not None
    # 5 days x about 50 ads x 21 age/gender buckets: expected beyond ten 500-row pages
    outcome = runner.run(runner.spec(template.name, end_date="2026-03-05"))
    _check(outcome, world, runner, template.name, list(template.defaults), end=date(2026, 3, 5))
    posts = graph.calls("POST", "insights")
    assert len(posts) == len(world.accounts) and not graph.calls("GET", "act_")
    assert posts[0].params["breakdowns"] == "age,gender" and "spend" in posts[0].params["fields"].split(",")
    status_reads = [c for c in graph.calls("GET") if c.path in graph.runs]
    assert len(status_reads) == 3 * len(world.accounts)


def test_reduce_the_data_halves_the_date_range(runner: JobRunner, graph: FakeGraph, world: World) -> None:
    graph.max_rows = 15  # an account's 4 days of 12 ads is more, one day is less
    fields = ["date_start", "id", "spend", "Purchases"]
    outcome = runner.run(runner.spec("Ad Daily Report", selected_fields=fields))
    _check(outcome, world, runner, "Ad Daily Report", fields)
    ranges = _time_ranges(graph)
    assert ("2026-03-01", "2026-03-04") in ranges and ("2026-03-01", "2026-03-02") in ranges
    assert ("2026-03-04", "2026-03-04") in ranges
    assert "Facebook asked for less data" in outcome.logs()


def test_then_splits_by_campaign(runner: JobRunner, graph: FakeGraph, world: World) -> None:
    graph.max_rows = 20  # one day of both campaigns by age and gender is more; one campaign is less
    fields = ["date_start", "campaign_id", "age", "gender", "spend"]
    spec = runner.spec(
        "Campaign Performance by AGE & GENDER",
        task_type="facebook_breakdown",
        selected_fields=fields,
        end_date="2026-03-01",
    )
    outcome = runner.run(spec)
    _check(outcome, world, runner, "Campaign Performance by AGE & GENDER", fields, end=date(2026, 3, 1))
    by_campaign = [
        json.loads(c.params["filtering"])
        for c in graph.calls("GET", "insights")
        if "campaign.id" in c.params.get("filtering", "")
    ]
    assert all(len(f[0]["value"]) == 1 for f in by_campaign)
    every_campaign = {c.id for a in world.accounts.values() for c in a.campaigns}
    assert {f[0]["value"][0] for f in by_campaign} == every_campaign


def test_a_report_run_failing_again_is_split(runner: JobRunner, graph: FakeGraph, world: World) -> None:
    graph.inject("run_fail", times=2)  # -2/2490547 on the first run and on the run started again
    template = find_template("LOCATION_DETAILED_REPORT")
    assert template is not None
    outcome = runner.run(runner.spec(template.name, accounts=runner.accounts(1)))
    _check(outcome, world, runner, template.name, list(template.defaults), accounts=1)
    assert _time_ranges(graph, "POST") == [("2026-03-01", "2026-03-04")] * 2
    # each half is small enough for a sync request
    assert set(_time_ranges(graph)) == {("2026-03-01", "2026-03-02"), ("2026-03-03", "2026-03-04")}


def test_a_request_that_cannot_be_split_further_fails_clearly(runner: JobRunner, graph: FakeGraph) -> None:
    graph.max_rows = 0
    spec = runner.spec("Account Daily Report", end_date="2026-03-02", accounts=runner.accounts(1))
    outcome = runner.run(spec)
    assert outcome.status is JobStatus.FAILED
    assert "could not return this report for ad account act_" in outcome.job.message
    assert "even for 2026-03-01" in outcome.job.message and "Select fewer fields" in outcome.job.message


@pytest.mark.parametrize(
    ("name", "days", "windows"),
    [
        ("Ad Daily Report", 90, 1),
        ("Ad Daily Report", 1_000, 3),
        ("Campaign Overview Report", 1_000, 1),
        ("AGE & GENDER_DETAILED_REPORT", 60, 4),
    ],
)
def test_date_windows_bound_each_request(name: str, days: int, windows: int) -> None:
    template = find_template(name)
    assert template is not None
    plan = plan_report(template, [])
    found = date_windows(plan, date(2024, 1, 1), date.fromordinal(date(2024, 1, 1).toordinal() + days - 1))
    assert len(found) == windows
    assert found[0][0] == date(2024, 1, 1) and sum((u - s).days + 1 for s, u in found) == days
