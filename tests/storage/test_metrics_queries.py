"""Contract: the job aggregates behind GET /metrics, which are the dashboard's own
(`store.job_stats`, more in test_job_stats.py; API-call counters: test_rollups.py)."""

from __future__ import annotations

from datetime import timedelta

from marketing_etl.contracts.metrics import DURATION_BUCKETS_S
from marketing_etl.contracts.store import Store
from marketing_etl.models import JobStatus
from tests.storage.factory import T0, make_job


def test_jobs_by_status_and_type(store: Store) -> None:
    store.insert_job(make_job("a"))
    store.insert_job(make_job("b"))
    store.insert_job(make_job("c", spec={"task_type": "product"}, status=JobStatus.FAILED))
    figures = store.job_stats.by_status_and_type()
    assert {key: f.jobs for key, f in figures.items()} == {
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
    by_status = store.job_stats.by_status_and_type(histogram=True)
    figures = by_status[("SUCCESS", "facebook_daily")]
    assert figures.timed == 3
    assert abs(figures.duration_sum_s - 750) < 0.01
    expected = [sum(1 for s in (5, 45, 700) if s <= bound) for bound in DURATION_BUCKETS_S]
    assert figures.duration_buckets == expected
    # Running, and cancelled before it started: counted as jobs, without a duration.
    assert by_status[("RUNNING", "facebook_daily")].timed == 0
    assert by_status[("CANCELLED", "facebook_daily")].timed == 0
