"""Attribution since Meta's 2025-2026 changes: every template offers `attribution_setting` (the ad
set setting a row's conversions follow, as a text column), and the fake Graph API states it per
row: the ad set's own, or nothing for a row that sums ad sets of different settings."""

from __future__ import annotations

import pytest

from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
from marketing_etl.sandbox.fakes.facebook_world import FakeCampaign, World
from marketing_etl.sources.facebook.catalog import TEMPLATES, Template
from tests.facebook.conftest import JobRunner


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_every_template_offers_the_attribution_setting_as_text(template: Template) -> None:
    assert "attribution_setting" in template.fields
    assert template.kind_of("attribution_setting") == "text"
    assert "attribution_setting" not in template.defaults  # the reference's default columns stay


def test_campaign_rows_name_their_setting_and_account_rows_mixing_two_name_none(
    runner: JobRunner, graph: FakeGraph, world: World
) -> None:
    fields = ["campaign_name", "attribution_setting", "spend"]
    campaigns = runner.run(runner.spec("Campaign Daily Report", selected_fields=fields))
    account = runner.run(
        runner.spec("Account Daily Report", selected_fields=["account_id", "attribution_setting", "spend"])
    )
    assert (campaigns.status, account.status) == (JobStatus.SUCCESS, JobStatus.SUCCESS)
    by_name = {c.name: c for c in world.objects.values() if isinstance(c, FakeCampaign)}
    settings = {row[0]: row[1] for row in campaigns.rows}
    # Campaign 1 of each account: 7-day click or 1-day view; campaign 2: 1-day click.
    assert {name: setting for name, setting in settings.items()} == {
        name: ("7d_click_1d_view", "1d_click")[int(name.rsplit(" ", 1)[1]) - 1] for name in by_name
    }
    assert account.rows and {row[1] for row in account.rows} == {""}
    asked = [r.params["fields"] for r in graph.calls("GET", "insights")]
    assert asked and all("attribution_setting" in fields for fields in asked)
