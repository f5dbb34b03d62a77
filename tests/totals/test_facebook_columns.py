"""Which Facebook columns the totals check compares, and the notes that explain a difference
(zero-spend-filtered templates, region and hourly templates without off-Meta conversions,
reach never compared), from the real catalog and planner."""

from __future__ import annotations

from marketing_etl.sources.facebook.catalog import find_template
from marketing_etl.sources.facebook.plan import ReportPlan, plan_report
from marketing_etl.sources.facebook.totals import REACH_NOTE, exclusion_notes, summed_columns


def plan(template: str, fields: list[str]) -> ReportPlan:
    found = find_template(template)
    assert found is not None
    return plan_report(found, fields)


def test_additive_columns_only_and_reach_is_a_note() -> None:
    fields = [
        "campaign_name",
        "spend",
        "impressions",
        "reach",
        "clicks",
        "cpc",
        "ctr",
        "Purchases",
        "Purchase Value",
        "Purchase ROAS",
        "Cost Purchases",
    ]
    overview = plan("Campaign Overview Report", fields)

    columns = summed_columns(overview)

    assert [(c.column, c.money, c.note) for c in columns] == [
        ("spend", True, ""),
        ("impressions", False, ""),
        ("clicks", False, ""),
        ("Purchases", False, ""),
        ("Purchase Value", True, ""),
    ]
    assert exclusion_notes(overview) == (REACH_NOTE,)
    assert exclusion_notes(plan("Campaign Overview Report", ["spend"])) == ()


def test_zero_spend_filtered_template_explains_every_count_but_spend() -> None:
    daily = plan(
        "Campaign Daily Report", ["date_start", "campaign_name", "spend", "impressions", "Purchases"]
    )

    notes = {c.column: c.note for c in summed_columns(daily)}

    assert notes["spend"] == ""
    assert notes["impressions"].startswith("This template leaves out rows without spend")
    assert "Purchases" in notes["Purchases"]


def test_region_template_explains_off_meta_conversions() -> None:
    region = plan(
        "Campaign Performance by Region",
        ["region", "campaign_name", "spend", "Website Purchases", "Purchases"],
    )

    notes = {c.column: c.note for c in summed_columns(region)}

    assert notes["spend"] == ""
    assert "no website or other off-Facebook conversions" in notes["Website Purchases"]
