"""The fake Graph API answers like the real one where the client depends on it."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx

from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.facebook_graph import TOKEN, FakeGraph
from marketing_etl.sandbox.fakes.facebook_world import World
from tests.facebook.conftest import FAST, JobRunner

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _get(base: str, path: str, **params: str) -> httpx.Response:
    return httpx.get(f"{base}/v25.0/{path}", params=params, headers=AUTH)


def test_fields_as_json_array_or_comma_list(graph_server: tuple[FakeGraph, str], world: World) -> None:
    graph, base = graph_server
    graph.reset()
    account = next(iter(world.accounts))
    common = {"level": "campaign", "time_range": '{"since":"2026-03-01","until":"2026-03-02"}'}
    listed = _get(base, f"act_{account}/insights", fields="campaign_id,spend", **common).json()
    arrayed = _get(base, f"act_{account}/insights/", fields='["campaign_id","spend"]', **common).json()
    assert listed == arrayed and listed["data"] and set(listed["data"][0]) == {"campaign_id", "spend"}


def test_refusals(graph_server: tuple[FakeGraph, str], world: World) -> None:
    graph, base = graph_server
    graph.reset()
    account = next(iter(world.accounts))
    common = {"time_range": '{"since":"2026-03-01","until":"2026-03-01"}'}
    breakdown_field = _get(base, f"act_{account}/insights", fields="age,spend", **common)
    assert breakdown_field.status_code == 400 and breakdown_field.json()["error"]["code"] == 100
    too_many = _get(base, "", ids=",".join(str(n) for n in range(51)), fields="id")
    assert "Too many IDs. Maximum: 50. Provided: 51." in too_many.json()["error"]["message"]
    unknown = _get(base, "", ids="999", fields="id")
    assert unknown.json()["error"]["code"] == 803
    no_token = httpx.get(f"{base}/v25.0/act_{account}/insights")
    assert no_token.status_code == 400 and no_token.json()["error"]["code"] == 190
    assert json.loads(no_token.headers["x-app-usage"])["call_count"] == 3.0


def test_a_report_run_that_never_finishes_times_out(runner: JobRunner, graph: FakeGraph) -> None:
    graph.polls_to_complete = 10_000
    tuning = replace(FAST, async_timeout_s=0.3)
    outcome = runner.run(runner.spec("Campaign Performance by Hour (Audience Time)"), tuning=tuning)
    assert outcome.status is JobStatus.FAILED
    assert "had not finished the report for ad account act_" in outcome.job.message
