"""The template catalog, the friendly-metric mapping, field validation and GET /reports/templates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketing_etl.api.app import create_app
from marketing_etl.job_spec import JobSpec
from marketing_etl.plugins import Plugins
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook import FacebookSource, register
from marketing_etl.sources.facebook.catalog import FIELD_KINDS, TEMPLATES, find_template, templates_for
from marketing_etl.sources.facebook.metrics import FRIENDLY_METRICS, metric_value
from marketing_etl.wiring import build_services
from tests.api.helpers import fb_body, make_settings
from tests.plugins import MemoryDestination

KINDS = {"text", "id", "date", "datetime", "integer", "money", "ratio", "percent", "formula"}
SETTINGS = Settings(_env_file=None)  # the catalog checks do not depend on the server's setup


def test_seventeen_templates_grouped_by_task_type() -> None:
    assert len(TEMPLATES) == 17 == len({t.name for t in TEMPLATES})
    assert [t.name for t in templates_for("facebook_performance")] == [
        "Campaign Overview Report",
        "Ad Set Performance Report",
        "Ad Performance Report",
        "Ad Creative Report",
    ]
    both = {t.name for t in TEMPLATES if len(t.task_types) == 2}
    assert both == {
        "AGE & GENDER_DETAILED_REPORT",
        "LOCATION_DETAILED_REPORT",
        "Campaign Performance by Hour (Audience Time)",
    }
    assert len(templates_for("facebook_daily")) == 8 == len(templates_for("facebook_breakdown"))


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_every_field_has_a_type_and_defaults_are_selectable(template: Any) -> None:
    assert all(template.kind_of(f) in KINDS for f in template.fields)
    assert set(template.defaults) <= set(template.fields)
    assert len(template.fields) == len(set(template.fields))


def test_catalog_types() -> None:
    template = find_template("Ad Creative Report")
    assert template is not None
    kinds = {
        f: template.kind_of(f)
        for f in (
            "id",
            "spend",
            "ctr",
            "reach",
            "Purchase ROAS",
            "creative_thumbnail_url",
            "Leads",
            "Cost Leads",
        )
    }
    assert kinds == {
        "id": "id",
        "spend": "money",
        "ctr": "percent",
        "reach": "integer",
        "Purchase ROAS": "ratio",
        "creative_thumbnail_url": "formula",
        "Leads": "integer",
        "Cost Leads": "money",
    }
    assert set(FIELD_KINDS.values()) <= KINDS


ROW: dict[str, Any] = {
    "actions": [
        {"action_type": "purchase", "value": "3"},
        {"action_type": "omni_purchase", "value": "3"},
        {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "2", "1d_click": "1"},
        {"action_type": "onsite_conversion.purchase", "value": "1"},
        {"action_type": "post_engagement", "value": "40"},
    ],
    "action_values": [
        {"action_type": "omni_purchase", "value": "120.50"},
        {"action_type": "purchase", "value": "120.50"},
    ],
    "cost_per_action_type": [{"action_type": "omni_purchase", "value": "7.333333"}],
    "purchase_roas": [{"action_type": "omni_purchase", "value": "5.477273"}],
    "outbound_clicks": [{"action_type": "outbound_click", "value": "9"}],
    "cost_per_thruplay": [{"action_type": "video_view", "value": "0.25"}],
    "cost_per_unique_inline_link_click": "1.5",
}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Purchases", 3.0),  # omni_purchase only: the synonyms are never added up
        ("Cost Purchases", 7.333333),  # Facebook's own cost, not spend / purchases
        ("Purchase Value", 120.5),
        ("Purchase ROAS", 5.477273),
        ("Website Purchases", 2.0),
        ("On-Facebook Purchases", 1.0),
        ("Leads", 0.0),  # missing entry
        ("Cost Leads", 0.0),
        ("Post engagement", 40.0),  # the singular name the original never mapped
        ("Post engagements", 40.0),
        ("outbound_clicks", 9.0),
        ("Chi phí / ThruPlay", 0.25),
        ("ThruPlay", 0.0),  # list field absent from the row
        ("Cost per unique link click", 1.5),
    ],
)
def test_friendly_metric_mapping(name: str, value: float) -> None:
    assert metric_value(ROW, FRIENDLY_METRICS[name]) == value


def test_mapping_sources() -> None:
    assert FRIENDLY_METRICS["Purchases"].source == "actions"
    assert FRIENDLY_METRICS["Purchase Value"].source == "action_values"
    assert FRIENDLY_METRICS["ThruPlay"].source == "video_thruplay_watched_actions"
    assert FRIENDLY_METRICS["Video Views (3s)"].action_type == "video_view"
    every_selectable = {f for t in TEMPLATES for f in t.fields}
    assert every_selectable <= set(FIELD_KINDS) | set(FRIENDLY_METRICS)


def _spec(**overrides: Any) -> JobSpec:
    body = fb_body(template_name="Campaign Daily Report", selected_fields=["spend"])
    body.update(overrides)
    return JobSpec.model_validate(body)


def test_validate_accepts_known_names_in_any_case() -> None:
    source = FacebookSource()
    any_case = _spec(selected_fields=["SPEND", " purchase  roas", "Campaign_Name"])
    assert source.validate(any_case, SETTINGS) == []
    assert source.validate(_spec(template_name="campaign daily report", selected_fields=[]), SETTINGS) == []


def test_validate_unknown_template_names_close_matches() -> None:
    problems = FacebookSource().validate(_spec(template_name="Campaign Dayly Report"), SETTINGS)
    assert len(problems) == 1 and problems[0].field == "template_name"
    assert "'Campaign Dayly Report'" in problems[0].message
    assert "did you mean 'Campaign Daily Report'" in problems[0].message


def test_validate_accepts_a_template_of_another_facebook_task_type() -> None:
    # The seed README's example sends this performance template as facebook_daily.
    spec = _spec(template_name="Campaign Overview Report", selected_fields=["campaign_name", "spend"])
    assert spec.task_type == "facebook_daily"
    assert FacebookSource().validate(spec, SETTINGS) == []


def test_validate_unknown_fields_lists_them_with_close_matches() -> None:
    problems = FacebookSource().validate(
        _spec(selected_fields=["spend", "Purchace ROAS", "impresions", "zzz"]), SETTINGS
    )
    assert len(problems) == 1 and problems[0].field == "selected_fields"
    message = problems[0].message
    assert "'Purchace ROAS' (did you mean 'Purchase ROAS'" in message
    assert "'impresions' (did you mean 'impressions'" in message
    assert "'zzz'," not in message and "'zzz'." in message
    assert "'spend'" not in message


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    plugins = Plugins()
    register(plugins)
    plugins.destinations.register("sheets", MemoryDestination())
    services = build_services(make_settings(tmp_path, api_keys="key-1"), plugins)
    app = create_app(services=services)
    with TestClient(app) as test_client:
        yield test_client
    services.close()


def test_templates_endpoint_lists_the_catalog(client: TestClient) -> None:
    assert client.get("/reports/templates").status_code == 401
    response = client.get("/reports/templates", headers={"X-API-Key": "key-1"})
    assert response.status_code == 200
    by_type = {t["task_type"]: t["templates"] for t in response.json()["task_types"]}
    assert [len(by_type[t]) for t in ("facebook_daily", "facebook_performance", "facebook_breakdown")] == [
        8,
        4,
        8,
    ]
    hour = next(
        t for t in by_type["facebook_breakdown"] if t["name"].startswith("Campaign Performance by Hour")
    )
    assert hour["level"] == "campaign" and hour["time_increment"] == 1
    assert hour["breakdowns"] == ["hourly_stats_aggregated_by_audience_time_zone"]
    fields = {f["name"]: f["type"] for g in hour["field_groups"] for f in g["fields"]}
    assert fields["hour_of_day"] == "text" and fields["Purchases"] == "integer" and fields["cpm"] == "money"
    assert "Purchases" in hour["default_fields"]


def test_create_job_answers_422_for_unknown_template_and_fields(client: TestClient) -> None:
    headers = {"X-API-Key": "key-1"}
    bad_template = client.post(
        "/reports/create-job",
        headers=headers,
        json=fb_body(template_name="Ad Dailly Report", selected_fields=[]),
    )
    assert bad_template.status_code == 422
    assert "did you mean 'Ad Daily Report'" in bad_template.text
    bad_fields = client.post(
        "/reports/create-job",
        headers=headers,
        json=fb_body(template_name="Ad Daily Report", selected_fields=["spend", "Purchasez"]),
    )
    assert bad_fields.status_code == 422
    detail = bad_fields.json()["detail"]
    assert detail[0]["loc"] == ["body", "selected_fields"] and "'Purchasez'" in detail[0]["msg"]
    assert "Purchases" in detail[0]["msg"]


# Written out from the original system's template table (original-system.md §2.2), not read
# from the catalog: the row oracle in expected.py takes each template's shape from the catalog,
# so this pins that shape independently.
ORIGINAL_SHAPES = {
    "Campaign Overview Report": ("campaign", (), None),
    "Campaign Performance by AGE & GENDER": ("campaign", ("age", "gender"), 1),
    "Campaign Performance by Age": ("campaign", ("age",), 1),
    "Campaign Performance by Gender": ("campaign", ("gender",), 1),
    "Campaign Performance by Platform": ("campaign", ("publisher_platform", "platform_position"), 1),
    "Campaign Performance by Region": ("campaign", ("region",), None),
    "Campaign Performance by Hour (Audience Time)": (
        "campaign",
        ("hourly_stats_aggregated_by_audience_time_zone",),
        1,
    ),
    "Ad Set Performance Report": ("adset", (), None),
    "Ad Performance Report": ("ad", (), None),
    "Account Daily Report": ("account", (), 1),
    "Campaign Daily Report": ("campaign", (), 1),
    "Ad Set Daily Report": ("adset", (), 1),
    "Ad Daily Report": ("ad", (), 1),
    "Ad Creative Report": ("ad", (), None),
    "Ad Creative Daily Report": ("ad", (), 1),
    "AGE & GENDER_DETAILED_REPORT": ("ad", ("age", "gender"), 1),
    "LOCATION_DETAILED_REPORT": ("ad", ("country", "region"), 1),
}


def test_template_shapes_match_the_original() -> None:
    shapes = {t.name: (t.level, t.breakdowns, t.time_increment) for t in TEMPLATES}
    assert shapes == ORIGINAL_SHAPES


def test_validate_requires_accounts_and_a_template() -> None:
    problems = FacebookSource().validate(_spec(accounts=[], template_name=None), SETTINGS)
    assert [(p.field, p.message.split(":")[0]) for p in problems] == [
        ("accounts", "accounts is required for facebook_daily reports"),
        ("template_name", "template_name is required for facebook_daily reports"),
    ]
