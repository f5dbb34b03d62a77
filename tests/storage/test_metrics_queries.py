"""Contract: the aggregates behind GET /metrics."""

from __future__ import annotations

from datetime import timedelta

from marketing_etl.models import ApiCall, JobStatus
from marketing_etl.storage import Store
from marketing_etl.storage.metrics_base import DURATION_BUCKETS_S, ERROR, OK
from tests.storage.factory import T0, make_job


def test_jobs_by_status_and_type(store: Store) -> None:
    store.insert_job(make_job("a"))
    store.insert_job(make_job("b"))
    store.insert_job(make_job("c", spec={"task_type": "product"}, status=JobStatus.FAILED))
    assert store.metrics.jobs_by_status_and_type() == {
        ("QUEUED", "facebook_daily"): 2,
        ("FAILED", "product"): 1,
    }


def test_finished_durations_histogram(store: Store) -> None:
    for job_id, seconds in (("fast", 5), ("medium", 45), ("slow", 700)):
        store.insert_job(
            make_job(
                job_id,
                status=JobStatus.SUCCESS,
                started_at=T0,
                finished_at=T0 + timedelta(seconds=seconds),
            )
        )
    store.insert_job(make_job("running", status=JobStatus.RUNNING, started_at=T0))
    store.insert_job(make_job("never-started", status=JobStatus.CANCELLED, finished_at=T0))
    figures = store.metrics.finished_durations()["facebook_daily"]
    assert figures.count == 3
    assert abs(figures.sum_s - 750) < 0.01
    expected = [sum(1 for s in (5, 45, 700) if s <= bound) for bound in DURATION_BUCKETS_S]
    assert figures.buckets == expected


def test_api_call_totals_by_platform_outcome_and_window(store: Store) -> None:
    def call(platform: str, status: int | None, minute: int, **extra: object) -> ApiCall:
        fields = {"job_id": "j", "platform": platform, "endpoint": "/x", "http_status": status}
        return ApiCall.model_validate(
            {**fields, "duration_ms": 1.0, "ts": T0 + timedelta(minutes=minute), **extra}
        )

    store.record_api_calls(
        [
            call("facebook", 200, 0, usage={"wait_s": 1.5}),
            call("facebook", 200, 1, usage={"backoff_s": 2}),
            call("facebook", 400, 2, error="throttled", usage={"wait_s": 0.5}),
            call("tiktok", 200, 3, error="code 51001: rate limited"),
            call("tiktok", None, 4, error="timed out"),
            call("sheets", 200, 5, usage={"budget_wait_s": 3.25}),
        ]
    )
    totals = store.metrics.api_call_totals(None, None)
    assert {key: (t.calls, round(t.wait_s, 2)) for key, t in totals.items()} == {
        ("facebook", OK): (2, 3.5),
        ("facebook", ERROR): (1, 0.5),
        ("tiktok", ERROR): (2, 0.0),
        ("sheets", OK): (1, 3.25),
    }
    window = store.metrics.api_call_totals(T0 + timedelta(minutes=1), T0 + timedelta(minutes=3))
    assert {key: t.calls for key, t in window.items()} == {("facebook", OK): 1, ("facebook", ERROR): 1}
