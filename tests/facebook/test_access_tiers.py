"""Access tiers under their 2026 names: the usage headers may carry the old names
(standard_access, advanced_access) or the new ones (limited_access, full_access); both are
recorded under the new name, and a tier nobody knows yet is kept as it is, to the dashboard."""

from __future__ import annotations

import json

import pytest

from marketing_etl.dashboard.usage import accounts_table, usage_point
from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
from marketing_etl.sources.facebook.usage import parse_usage
from tests.facebook.conftest import JobRunner


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("standard_access", "limited_access"),
        ("limited_access", "limited_access"),
        ("advanced_access", "full_access"),
        ("full_access", "full_access"),
        ("development_access", "development_access"),
        ("partner_access", "partner_access"),  # unknown: as it is
    ],
)
def test_a_jobs_calls_and_the_dashboard_show_the_tier(
    runner: JobRunner, graph: FakeGraph, sent: str, shown: str
) -> None:
    graph.access_tier = sent
    spec = runner.spec(
        "Account Daily Report", selected_fields=["account_id", "spend"], accounts=runner.accounts(1)
    )
    outcome = runner.run(spec)
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    calls = outcome.services.store.get_api_calls(spec.job_id)
    assert calls and {call.usage["ads_api_access_tier"] for call in calls} == {shown}
    [account] = accounts_table(usage_point(call) for call in calls)
    assert (account.account_id, account.tier) == (spec.accounts[0].id, shown)


def test_tier_headers_are_read_defensively() -> None:
    headers = {
        "x-ad-account-usage": json.dumps({"acc_id_util_pct": 4, "ads_api_access_tier": "Advanced_Access"})
    }
    assert parse_usage(headers, "act_1").access_tier == "full_access"
    buc = {"1": [{"type": "ads_insights", "call_count": 2, "ads_api_access_tier": "  "}]}
    insights = {"acc_id_util_pct": 1, "ads_api_access_tier": "standard_access"}
    mixed = {"x-business-use-case-usage": json.dumps(buc), "x-fb-ads-insights-throttle": json.dumps(insights)}
    # A blank tier in one header does not hide the one another header names.
    assert parse_usage(mixed, "act_1").access_tier == "limited_access"
