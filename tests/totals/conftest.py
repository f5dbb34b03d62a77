"""The Facebook suite's fake Graph API and job runner, and a job run against an account whose
totals differ from its rows (the fake's "mismatch" fixture), for the totals check's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from marketing_etl.sandbox.fakes.facebook_world import World
from tests.facebook.conftest import JobRunner, Outcome, graph, graph_server, runner, world

__all__ = ["graph", "graph_server", "mismatched", "runner", "world"]

OVERVIEW = "Campaign Overview Report"
FIELDS = [
    "account_id",
    "campaign_name",
    "spend",
    "impressions",
    "clicks",
    "reach",
    "Purchases",
    "Purchase Value",
]
AUTH = ("ops", "totals-check-password")


@pytest.fixture
def mismatched(runner: JobRunner, world: World) -> Iterator[tuple[Outcome, str]]:
    account = next(iter(world.accounts))
    world.totals_differ.add(account)
    try:
        spec = runner.spec(OVERVIEW, task_type="facebook_performance", selected_fields=FIELDS)
        outcome = runner.run(
            spec,
            totals_check=True,
            dashboard_username=AUTH[0],
            dashboard_password=AUTH[1],
            executor="local",
            api_keys=None,
        )
    finally:
        world.totals_differ.clear()
    yield outcome, f"act_{account}"
