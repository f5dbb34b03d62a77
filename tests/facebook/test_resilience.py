"""The Graph client under trouble: throttling, transient failures, bad tokens, forbidden accounts,
looping cursors, cancel; and what every call leaves behind (ApiCall records with usage)."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import date

from marketing_etl.jobs import cancel_job
from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.facebook_graph import TOKEN, FakeGraph
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.services import Services
from marketing_etl.sources.facebook.catalog import find_template
from tests.executors.support import wait_until
from tests.facebook.conftest import FAST, JobRunner, Outcome
from tests.facebook.expected import expected_table

ACCOUNT_DAILY = "Account Daily Report"


def _message(services: Services, job_id: str) -> str:
    job = services.store.get_job(job_id)
    return job.message if job else ""


def _account_daily(runner: JobRunner, **settings: object) -> Outcome:
    spec = runner.spec(ACCOUNT_DAILY, selected_fields=["date_start", "account_id", "spend"])
    return runner.run(spec, **settings)  # type: ignore[arg-type]


def test_throttling_waits_for_the_eta_then_continues(runner: JobRunner, graph: FakeGraph) -> None:
    graph.inject("throttle", path="insights", times=2, eta_minutes=1)
    tuning = replace(FAST, seconds_per_minute=0.3)
    started = time.monotonic()
    fields = ["date_start", "account_id", "spend"]
    spec = runner.spec(ACCOUNT_DAILY, selected_fields=fields, accounts=runner.accounts(1))
    outcome = runner.run(spec, tuning=tuning, facebook_max_wait_s=60)
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    assert time.monotonic() - started >= 0.6  # two waits of one (scaled) minute each
    assert re.search(
        r"Waiting for the Facebook rate limit until \d\d:\d\d UTC \(ad account act_\d+\)", outcome.logs()
    )
    throttled = [c for c in outcome.services.store.get_api_calls(outcome.job.job_id) if c.http_status == 400]
    assert len(throttled) == 2
    assert throttled[0].usage["estimated_time_to_regain_access_min"] == 1
    assert throttled[0].usage["buc_call_count_pct"] == 100
    assert "#80000/2446079" in (throttled[0].error or "")
    assert len(outcome.rows) == 4


def test_throttling_beyond_the_wait_budget_fails_without_waiting(runner: JobRunner, graph: FakeGraph) -> None:
    graph.inject("throttle", path="insights", times=5, eta_minutes=500)  # 500 x 20 ms = 10 s
    started = time.monotonic()
    outcome = _account_daily(runner, facebook_max_wait_s=2)
    assert outcome.status is JobStatus.FAILED
    assert "kept rate-limiting" in outcome.job.message and "FACEBOOK_MAX_WAIT_S" in outcome.job.message
    assert time.monotonic() - started < 8
    assert len(graph.calls("GET", "insights")) <= 2  # one per account at most: nobody retried


def test_throttling_without_eta_backs_off(runner: JobRunner, graph: FakeGraph) -> None:
    graph.inject("app_throttle", path="insights", times=3)
    outcome = _account_daily(runner, facebook_max_wait_s=5)
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    assert len(graph.calls("GET", "insights")) == 2 + 3


def test_high_usage_slows_down_before_the_limit(runner: JobRunner, graph: FakeGraph) -> None:
    graph.usage_pct = 90.0
    tuning = replace(FAST, seconds_per_minute=0.5)
    spec = runner.spec(ACCOUNT_DAILY, selected_fields=["spend"], accounts=runner.accounts(1))
    started = time.monotonic()
    outcome = runner.run(spec, tuning=tuning)
    assert outcome.status is JobStatus.SUCCESS
    assert time.monotonic() - started >= 0.3  # (90 - 75) / 25 of a minute
    assert re.search(r"usage for act_\d+ is at 90%; pausing 0\.3 s", outcome.logs())


def test_transient_errors_are_retried(runner: JobRunner, graph: FakeGraph, world: World) -> None:
    graph.inject("transient", path="insights", times=2)
    graph.inject("unavailable", path="insights", times=1)
    outcome = _account_daily(runner)
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    statuses = [c.http_status for c in outcome.services.store.get_api_calls(outcome.job.job_id)]
    assert statuses.count(500) == 2 and statuses.count(503) == 1 and statuses.count(200) == 2


def test_persistent_transient_errors_fail_after_bounded_retries(runner: JobRunner, graph: FakeGraph) -> None:
    graph.inject("transient", path="insights", times=100)
    outcome = runner.run(runner.spec(ACCOUNT_DAILY, accounts=runner.accounts(1)))
    assert outcome.status is JobStatus.FAILED
    assert "Facebook kept failing" in outcome.job.message and "after 6 attempts" in outcome.job.message
    assert len(graph.calls("GET", "insights")) == 6


def test_invalid_token_fails_at_once(runner: JobRunner, graph: FakeGraph) -> None:
    graph.latency_s = 0.05
    outcome = runner.run(runner.spec("Ad Daily Report"), token="EAAB-expired-token-000000")
    assert outcome.status is JobStatus.FAILED
    assert "the Facebook access token is invalid or expired" in outcome.job.message
    assert len(graph.requests) <= 2  # the first answer of each running account; no retries


def test_token_expiring_mid_job(runner: JobRunner, graph: FakeGraph) -> None:
    graph.inject("token", path="insights", times=1)
    outcome = runner.run(runner.spec("Ad Daily Report", accounts=runner.accounts(1)))
    assert outcome.status is JobStatus.FAILED
    assert "the Facebook access token is invalid or expired" in outcome.job.message


def test_forbidden_account_fails_the_job_naming_it(runner: JobRunner, graph: FakeGraph, world: World) -> None:
    second = list(world.accounts)[1]
    graph.forbidden_accounts.add(second)
    outcome = _account_daily(runner)
    assert outcome.status is JobStatus.FAILED
    assert f"Account 2 (job) (act_{second})" in outcome.job.message
    assert f"Facebook refused access to ad account act_{second}" in outcome.job.message


def test_forbidden_account_is_skipped_when_configured(
    runner: JobRunner, graph: FakeGraph, world: World
) -> None:
    second = list(world.accounts)[1]
    graph.forbidden_accounts.add(second)
    fields = ["date_start", "account_id", "account_name", "spend", "Purchases"]
    outcome = runner.run(
        runner.spec(ACCOUNT_DAILY, selected_fields=fields), facebook_skip_forbidden_accounts=True
    )
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    template = find_template(ACCOUNT_DAILY)
    assert template is not None
    assert outcome.table == expected_table(
        world, template, fields, runner.accounts(1), date(2026, 3, 1), date(2026, 3, 4)
    )
    warnings = [
        line for line in outcome.services.store.get_logs(outcome.job.job_id) if line.level == "WARNING"
    ]
    skipped = (
        f"Skipped ad account Account 2 (job) (act_{second}): Facebook refused access "
        f"(Unsupported get request. Object with ID 'act_{second}' does not exist, cannot be loaded due to "
        "missing permissions)"
    )
    assert [w.message for w in warnings] == [skipped]
    # The final message repeats it, so the user sees that the sheet lacks that account.
    assert outcome.job.message.startswith("Wrote ") and outcome.job.message.endswith(skipped)


def test_a_repeated_page_cursor_fails_loudly(runner: JobRunner, graph: FakeGraph) -> None:
    graph.inject("loop_cursor", times=2)  # the cursor of page 1 comes back on page 2
    outcome = runner.run(runner.spec("Ad Daily Report", accounts=runner.accounts(1)))
    assert outcome.status is JobStatus.FAILED
    assert "went in a circle" in outcome.job.message


def test_every_call_is_recorded_with_usage_and_without_the_token(runner: JobRunner, graph: FakeGraph) -> None:
    outcome = runner.run(
        runner.spec("Ad Creative Daily Report", selected_fields=["id", "page_name", "spend"])
    )
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    calls = outcome.services.store.get_api_calls(outcome.job.job_id)
    assert len(calls) == len(graph.requests) > 0
    assert all(c.platform == "facebook" and "?" not in c.endpoint and TOKEN not in c.endpoint for c in calls)
    insights = next(c for c in calls if c.endpoint.endswith("/insights"))
    assert insights.endpoint.startswith("/v27.0/act_")
    assert insights.usage == {
        "app_usage_pct": 3.0,
        "account_usage_pct": 3.0,
        "insights_app_usage_pct": 3.0,
        "insights_account_usage_pct": 3.0,
        "insights_reach_usage_pct": 0.0,
        "buc_type": "ads_insights",
        "buc_call_count_pct": 3.0,
        "buc_total_cputime_pct": 1.5,
        "buc_total_time_pct": 1.5,
        "estimated_time_to_regain_access_min": 0,
        "reset_time_duration_s": 0,
        "ads_api_access_tier": "limited_access",  # the fake sends the old name, standard_access
        "account_id": insights.endpoint.split("/")[2],
    }
    everything = outcome.logs() + outcome.job.message + repr(calls)
    assert TOKEN not in everything


def test_cancel_during_fetching_stops_quickly(runner: JobRunner, graph: FakeGraph) -> None:
    graph.latency_s = 0.1
    services = runner.services(facebook_page_size=2)
    spec = runner.spec("Ad Daily Report", end_date="2026-03-20")
    result: list[JobStatus | None] = []
    worker = runner.start(services, spec, result)
    try:
        wait_until(lambda: len(graph.requests) >= 4, 10, "4 Graph requests before cancelling")
    finally:
        cancel_job(services, spec.job_id)  # also after a timeout, so no worker is left running
        cancelled_at = len(graph.requests)
        worker.join(timeout=10)
    assert not worker.is_alive()
    outcome = runner.outcome(services, spec.job_id, result[0])
    assert outcome.status is JobStatus.CANCELLED
    assert len(graph.requests) <= cancelled_at + 2 * 4  # at most the calls already in flight


def test_cancel_during_a_rate_limit_wait(runner: JobRunner, graph: FakeGraph) -> None:
    graph.inject("throttle", path="insights", times=1, eta_minutes=30)  # 30 s at 1 s per minute
    tuning = replace(FAST, seconds_per_minute=1.0)
    services = runner.services(tuning, facebook_max_wait_s=600)
    spec = runner.spec(ACCOUNT_DAILY, accounts=runner.accounts(1))
    worker = runner.start(services, spec, [])
    deadline = time.monotonic() + 10
    while "Waiting for the Facebook rate limit" not in _message(services, spec.job_id):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    started = time.monotonic()
    cancel_job(services, spec.job_id)
    worker.join(timeout=10)
    assert time.monotonic() - started < 5
    final = services.store.get_job(spec.job_id)
    assert final is not None and final.status is JobStatus.CANCELLED
