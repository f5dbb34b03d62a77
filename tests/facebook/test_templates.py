"""Every template end to end: fake Graph API -> real client -> runner -> test destination,
every cell compared with the value computed from the fake world's counters."""

from __future__ import annotations

from datetime import date

import pytest

from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.sources.facebook.catalog import TEMPLATES, Template, find_template
from tests.facebook.conftest import JobRunner
from tests.facebook.expected import expected_table

START, END = date(2026, 3, 1), date(2026, 3, 4)


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_every_field_of_every_template(
    template: Template, runner: JobRunner, graph: FakeGraph, world: World
) -> None:
    fields = list(template.fields)
    spec = runner.spec(template.name, task_type=template.task_types[0], selected_fields=fields)
    outcome = runner.run(spec)
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    expected = expected_table(world, template, fields, runner.accounts(), START, END)
    assert len(outcome.rows) == len(expected) - 1 > 0
    assert outcome.header == expected[0]
    for got, want in zip(outcome.rows, expected[1:], strict=True):
        assert got == want
    assert outcome.job.rows_written == len(expected) - 1
    assert _attribution_asks(graph) == []


def _attribution_asks(graph: FakeGraph) -> list[str]:
    """Parameters Facebook ignores since 2025-06-10, and the windows it dropped on 2026-01-12:
    sending them would only make the numbers look like something they are not."""
    ignored = ("use_unified_attribution_setting", "action_report_time")
    return [
        f"{request.path}: {name}={value}"
        for request in graph.requests
        for name, value in request.params.items()
        if name in ignored or "7d_view" in value or "28d_view" in value
    ]


@pytest.mark.parametrize(
    "name",
    [
        "AGE & GENDER_DETAILED_REPORT",
        "LOCATION_DETAILED_REPORT",
        "Campaign Performance by Hour (Audience Time)",
    ],
)
def test_templates_of_two_families_run_the_same_under_both(
    name: str, runner: JobRunner, world: World
) -> None:
    template = find_template(name)
    assert template is not None and template.task_types == ("facebook_daily", "facebook_breakdown")
    tables = [
        runner.run(runner.spec(name, task_type=task_type, end_date="2026-03-02")).table
        for task_type in template.task_types
    ]
    expected = expected_table(
        world, template, list(template.defaults), runner.accounts(), START, date(2026, 3, 2)
    )
    assert tables[0] == tables[1] == expected


def test_header_keeps_the_users_order_and_spelling(runner: JobRunner, world: World) -> None:
    selected = ["purchase roas", "SPEND", "date_start", "Hoàn  tất đăng ký", "account_name", "Campaign_Name"]
    outcome = runner.run(runner.spec("campaign daily report", selected_fields=selected))
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    template = find_template("Campaign Daily Report")
    assert template is not None
    canonical = ["Purchase ROAS", "spend", "date_start", "Hoàn tất đăng ký", "account_name", "campaign_name"]
    expected = expected_table(world, template, canonical, runner.accounts(), START, END)
    assert outcome.header == selected
    assert outcome.rows == expected[1:]


def test_empty_selection_gives_the_template_defaults(runner: JobRunner, world: World) -> None:
    template = find_template("Ad Daily Report")
    assert template is not None
    outcome = runner.run(runner.spec(template.name))
    assert outcome.header == list(template.defaults)
    assert "Purchases" in outcome.header and "Leads" not in outcome.header
    assert outcome.table == expected_table(
        world, template, list(template.defaults), runner.accounts(), START, END
    )


def test_hourly_rows_always_carry_hour_of_day(runner: JobRunner, graph: FakeGraph) -> None:
    outcome = runner.run(
        runner.spec("Campaign Performance by Hour (Audience Time)", selected_fields=["hour_of_day", "spend"])
    )
    hours = {row[0] for row in outcome.rows}
    assert hours and all(h.endswith(":59:59") for h in hours)
    assert graph.calls("POST", "insights"), "hourly breakdowns are fetched as async report runs"
