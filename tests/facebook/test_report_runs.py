"""Failed async report runs (v25.0 error fields) against the fake Graph API: intermittent ones
and "try again later" start the run again after a pause, an invalid breakdown combination fails
the job at once with Meta's message for the user."""

from __future__ import annotations

import json
from datetime import date

from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.sources.facebook.catalog import find_template
from tests.facebook.conftest import JobRunner
from tests.facebook.expected import expected_table

LOCATION = "LOCATION_DETAILED_REPORT"  # 4 days of ads by country and region: an async run
START, END = date(2026, 3, 1), date(2026, 3, 4)
WHOLE_RANGE = {"since": "2026-03-01", "until": "2026-03-04"}


def _posted_ranges(graph: FakeGraph) -> list[dict[str, str]]:
    return [json.loads(call.params["time_range"]) for call in graph.calls("POST", "insights")]


def _run_and_check(runner: JobRunner, world: World) -> str:
    template = find_template(LOCATION)
    assert template is not None
    outcome = runner.run(runner.spec(LOCATION, accounts=runner.accounts(1)))
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    expected = expected_table(world, template, list(template.defaults), runner.accounts(1), START, END)
    assert outcome.table == expected
    return outcome.logs()


def test_an_intermittent_failure_starts_the_same_run_again(
    runner: JobRunner, graph: FakeGraph, world: World
) -> None:
    graph.inject("run_intermittent", times=1)
    logs = _run_and_check(runner, world)
    assert _posted_ranges(graph) == [WHOLE_RANGE, WHOLE_RANGE]  # no split: the same request again
    assert "failed (Job Failed #2/1504043" in logs and "starting it again" in logs


def test_report_failed_try_later_is_started_again(runner: JobRunner, graph: FakeGraph, world: World) -> None:
    graph.inject("run_fail", times=1)
    logs = _run_and_check(runner, world)
    assert _posted_ranges(graph) == [WHOLE_RANGE, WHOLE_RANGE]
    assert "failed (Job Failed #-2/2490547: Generating the report failed. Try again later.)" in logs


def test_an_intermittent_failure_that_persists_says_try_later(runner: JobRunner, graph: FakeGraph) -> None:
    graph.inject("run_intermittent", times=2)
    outcome = runner.run(runner.spec(LOCATION, accounts=runner.accounts(1)))
    assert outcome.status is JobStatus.FAILED
    assert "Facebook kept failing to build the report for ad account act_" in outcome.job.message
    assert "Intermittent Error: There was an intermittent error" in outcome.job.message
    assert "try the job again later" in outcome.job.message
    assert len(graph.calls("POST", "insights")) == 2


def test_invalid_breakdowns_fail_at_once_with_metas_words(runner: JobRunner, graph: FakeGraph) -> None:
    graph.inject("run_invalid", times=1)
    outcome = runner.run(runner.spec(LOCATION, accounts=runner.accounts(1)))
    assert outcome.status is JobStatus.FAILED
    account = runner.accounts(1)[0]["id"]
    assert (
        f"Facebook refused the report for ad account {account}: Invalid Breakdowns: There is no data "
        "for this combination of metrics and breakdowns. Change the selected fields or the template."
    ) in outcome.job.message
    assert len(graph.calls("POST", "insights")) == 1  # neither started again nor split
    assert graph.calls("GET", "insights") == []
