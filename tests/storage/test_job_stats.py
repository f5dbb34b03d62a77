"""Contract: the job aggregates behind the dashboard and /metrics (`store.job_stats`), exact on a
small history: statuses, task types, templates, users, durations, windows and platforms."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from marketing_etl.contracts.job_stats import StatusTypeFigures, UserFigures
from marketing_etl.contracts.metrics import DURATION_BUCKETS_S
from marketing_etl.contracts.pruning import PruneKind
from marketing_etl.contracts.store import Store
from marketing_etl.models import JobStatus
from tests.plugins import PLATFORM_TASK_TYPES
from tests.storage.factory import T0, make_job

FB = list(PLATFORM_TASK_TYPES["facebook"])
TT = list(PLATFORM_TASK_TYPES["tiktok"])
ANN, BOB, CAROL, DAVE = "ann@example.com", "bob@example.com", "carol@example.com", "dave@example.com"
S, F, C, R, Q = JobStatus.SUCCESS, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.RUNNING, JobStatus.QUEUED
# job_id, created (before T0), task type, user, template, status, seconds run (None: no start), rows
HISTORY: list[tuple[str, timedelta, str, str, str | None, JobStatus, float | None, int]] = [
    ("a1", timedelta(days=10), "facebook_daily", ANN, "Ad Daily", S, 5, 100),
    ("a2", timedelta(days=2), "facebook_daily", ANN, "Ad Daily", F, 45, 0),
    ("b1", timedelta(hours=1), "facebook_performance", BOB, "Perf", S, 700, 50),
    ("b2", timedelta(minutes=30), "facebook_breakdown", BOB, "Perf", F, 10, 0),  # on a bucket bound
    ("c1", timedelta(minutes=20), "product", CAROL, None, S, 61.5, 7),
    ("c2", timedelta(minutes=10), "creative", CAROL, "", C, None, 0),  # cancelled before it started
    ("r1", timedelta(minutes=5), "facebook_daily", DAVE, "Ad Daily", R, None, 0),  # running
    ("q1", timedelta(minutes=1), "product", ANN, None, Q, None, 0),
    ("f3", timedelta(days=40), "creative", BOB, None, F, 30, 0),
]
SINCE_3D = T0 - timedelta(days=3)


@pytest.fixture
def history(store: Store) -> Store:
    for job_id, age, task_type, user, template, status, seconds, rows in HISTORY:
        created = T0 - age
        fields: dict[str, Any] = {"status": status, "created_at": created, "rows_written": rows}
        if status is R or seconds is not None:
            fields["started_at"] = created + timedelta(seconds=10)
        if status.finished:
            fields["finished_at"] = fields.get("started_at", created) + timedelta(seconds=seconds or 0)
        spec = {"task_type": task_type, "user_email": user, "template_name": template}
        if task_type in TT:
            spec |= {"advertiser_id": "7012345678901234567", "store_id": "7398765432109876543"}
        assert store.insert_job(make_job(job_id, spec=spec, **fields))
    return store


def figures(jobs: int, rows: int = 0, *seconds: float) -> tuple[int, int, int, float]:
    return (jobs, rows, len(seconds), float(sum(seconds)))


def summary(
    stats: dict[tuple[str, str], StatusTypeFigures],
) -> dict[tuple[str, str], tuple[int, int, int, float]]:
    return {key: (f.jobs, f.rows_written, f.timed, round(f.duration_sum_s, 3)) for key, f in stats.items()}


def test_counts_rows_and_durations_by_status_and_type(history: Store) -> None:
    assert summary(history.job_stats.by_status_and_type()) == {
        ("SUCCESS", "facebook_daily"): figures(1, 100, 5),
        ("FAILED", "facebook_daily"): figures(1, 0, 45),
        ("SUCCESS", "facebook_performance"): figures(1, 50, 700),
        ("FAILED", "facebook_breakdown"): figures(1, 0, 10),
        ("SUCCESS", "product"): figures(1, 7, 61.5),
        ("CANCELLED", "creative"): figures(1),  # never started: no duration
        ("RUNNING", "facebook_daily"): figures(1),  # still running: no duration yet
        ("QUEUED", "product"): figures(1),
        ("FAILED", "creative"): figures(1, 0, 30),
    }


def test_windows_and_platforms(history: Store) -> None:
    stats = history.job_stats
    assert summary(stats.by_status_and_type(SINCE_3D)) == {
        ("FAILED", "facebook_daily"): figures(1, 0, 45),
        ("SUCCESS", "facebook_performance"): figures(1, 50, 700),
        ("FAILED", "facebook_breakdown"): figures(1, 0, 10),
        ("SUCCESS", "product"): figures(1, 7, 61.5),
        ("CANCELLED", "creative"): figures(1),
        ("RUNNING", "facebook_daily"): figures(1),
        ("QUEUED", "product"): figures(1),
    }
    # The window starts at `since` itself: a job created at that very moment is in it.
    assert set(stats.by_status_and_type(T0 - timedelta(minutes=5))) == {
        ("RUNNING", "facebook_daily"),
        ("QUEUED", "product"),
    }
    assert set(stats.by_status_and_type(SINCE_3D, FB)) == {
        ("FAILED", "facebook_daily"),
        ("SUCCESS", "facebook_performance"),
        ("FAILED", "facebook_breakdown"),
        ("RUNNING", "facebook_daily"),
    }
    assert summary(stats.by_status_and_type(None, TT)) == {
        ("SUCCESS", "product"): figures(1, 7, 61.5),
        ("CANCELLED", "creative"): figures(1),
        ("QUEUED", "product"): figures(1),
        ("FAILED", "creative"): figures(1, 0, 30),
    }
    assert stats.by_status_and_type(None, []) == {}
    assert stats.by_status_and_type(T0 + timedelta(seconds=1)) == {}


def test_duration_histogram_is_cumulative_and_includes_its_bounds(history: Store) -> None:
    stats = history.job_stats.by_status_and_type(histogram=True)
    expected = {
        ("SUCCESS", "facebook_daily"): 5,
        ("FAILED", "facebook_daily"): 45,
        ("SUCCESS", "facebook_performance"): 700,
        ("FAILED", "facebook_breakdown"): 10,
        ("SUCCESS", "product"): 61.5,
        ("FAILED", "creative"): 30,
    }
    for key, seconds in expected.items():
        assert stats[key].duration_buckets == [int(seconds <= bound) for bound in DURATION_BUCKETS_S], key
    assert stats[("RUNNING", "facebook_daily")].duration_buckets == [0] * len(DURATION_BUCKETS_S)
    # The same figures as without the histogram.
    plain = history.job_stats.by_status_and_type()
    assert summary(stats) == summary(plain)


def test_counts_only(history: Store) -> None:
    full = history.job_stats.by_status_and_type(SINCE_3D, FB)
    counts = history.job_stats.by_status_and_type(SINCE_3D, FB, counts_only=True)
    assert {key: f.jobs for key, f in counts.items()} == {key: f.jobs for key, f in full.items()}
    assert all((f.rows_written, f.timed, f.duration_sum_s) == (0, 0, 0.0) for f in counts.values())


def test_templates_most_used_first_ties_by_name(history: Store) -> None:
    stats = history.job_stats
    assert stats.top_templates(None, None, 50) == [("Ad Daily", 3), ("Perf", 2)]  # none / "" left out
    assert stats.top_templates(SINCE_3D, None, 50) == [("Ad Daily", 2), ("Perf", 2)]
    assert stats.top_templates(SINCE_3D, None, 1) == [("Ad Daily", 2)]
    assert stats.top_templates(None, TT, 50) == []
    assert stats.top_templates(None, None, 0) == []


def test_top_users_top_failed_users_and_distinct_users(history: Store) -> None:
    stats = history.job_stats
    assert stats.users(None, None, 10) == UserFigures(
        top=[(ANN, 3), (BOB, 3), (CAROL, 2), (DAVE, 1)],  # ties alphabetically
        top_failed=[(BOB, 2), (ANN, 1)],  # only users with a failure
        distinct=4,
    )
    assert stats.users(None, None, 2) == UserFigures(
        top=[(ANN, 3), (BOB, 3)], top_failed=[(BOB, 2), (ANN, 1)], distinct=4
    )
    assert stats.users(SINCE_3D, FB, 10) == UserFigures(
        top=[(BOB, 2), (ANN, 1), (DAVE, 1)], top_failed=[(ANN, 1), (BOB, 1)], distinct=3
    )
    assert stats.users(None, None, 0) == UserFigures(distinct=4)
    assert stats.users(T0 + timedelta(seconds=1), None, 10) == UserFigures()


def test_many_users_are_ranked_by_the_database(store: Store) -> None:
    # More users than the limit, with failures spread differently from the job counts.
    for i in range(14):
        for n in range(i % 5 + 1):
            status = JobStatus.FAILED if n < i % 3 else JobStatus.SUCCESS
            job = make_job(
                f"u{i:02d}-{n}", minute=n, spec={"user_email": f"u{i:02d}@example.com"}, status=status
            )
            assert store.insert_job(job)
    figures_ = store.job_stats.users(None, None, 3)
    assert figures_.top == [("u04@example.com", 5), ("u09@example.com", 5), ("u03@example.com", 4)]
    assert figures_.top_failed == [("u02@example.com", 2), ("u08@example.com", 2), ("u11@example.com", 2)]
    assert figures_.distinct == 14


def test_durations_are_exact_to_the_millisecond(store: Store) -> None:
    started = datetime(2026, 3, 1, 9, 0, 0, 123_000, tzinfo=T0.tzinfo)
    for job_id, ms in (("x", 9_999), ("y", 10_000), ("z", 10_001), ("w", 3_600_000)):
        finished = started + timedelta(milliseconds=ms)
        assert store.insert_job(
            make_job(job_id, status=JobStatus.SUCCESS, started_at=started, finished_at=finished)
        )
    [(key, figs)] = store.job_stats.by_status_and_type(histogram=True).items()
    assert key == ("SUCCESS", "facebook_daily") and figs.timed == 4
    assert figs.duration_sum_s == pytest.approx(3_630.0, abs=1e-3)
    assert figs.duration_buckets[:2] == [2, 3] and figs.duration_buckets[-1] == 4


def test_figures_follow_jobs_as_they_run_are_retried_and_pruned(store: Store) -> None:
    """SQL stores keep the figures in rollups that triggers move along with each job: every
    change after the insert, and the delete of a pruning pass, must show in every figure."""
    old, new = T0 - timedelta(days=5), T0 - timedelta(minutes=5)
    spec = {"user_email": ANN, "template_name": "Ad Daily"}
    for job_id, created in (("old", old), ("new", new)):
        assert store.insert_job(make_job(job_id, created_at=created, status=Q, spec=spec))
    store.update_job("old", status=R, started_at=old + timedelta(seconds=10))
    store.update_job("old", status=F, finished_at=old + timedelta(seconds=40))
    store.update_job("new", status=R, started_at=new + timedelta(seconds=1))
    store.update_job("new", progress=50, message="Half way")
    store.update_job("new", status=S, finished_at=new + timedelta(seconds=61), rows_written=12)
    stats = store.job_stats
    assert summary(stats.by_status_and_type()) == {
        ("FAILED", "facebook_daily"): figures(1, 0, 30),
        ("SUCCESS", "facebook_daily"): figures(1, 12, 60),
    }
    assert summary(stats.by_status_and_type(SINCE_3D)) == {("SUCCESS", "facebook_daily"): figures(1, 12, 60)}
    assert stats.by_status_and_type(histogram=True)[("SUCCESS", "facebook_daily")].duration_buckets == [
        int(bound >= 60) for bound in DURATION_BUCKETS_S
    ]
    assert stats.users(None, None, 10) == UserFigures(top=[(ANN, 2)], top_failed=[(ANN, 1)], distinct=1)

    store.update_job("old", status=Q, started_at=None, finished_at=None)  # retried
    assert summary(stats.by_status_and_type()) == {
        ("QUEUED", "facebook_daily"): figures(1),
        ("SUCCESS", "facebook_daily"): figures(1, 12, 60),
    }
    assert stats.users(None, None, 10) == UserFigures(top=[(ANN, 2)], distinct=1)

    store.update_job("old", status=C, finished_at=old + timedelta(seconds=1))
    deleted = store.pruning.delete_jobs(["old"], T0 - timedelta(days=1))
    assert deleted.rows[PruneKind.JOBS] == 1
    assert summary(stats.by_status_and_type()) == {("SUCCESS", "facebook_daily"): figures(1, 12, 60)}
    assert stats.top_templates(None, None, 50) == [("Ad Daily", 1)]
    assert stats.users(None, None, 10) == UserFigures(top=[(ANN, 1)], distinct=1)
    assert stats.by_status_and_type(old - timedelta(hours=1)) == stats.by_status_and_type()


def test_a_window_counts_from_its_start_within_a_day_then_whole_days(store: Store) -> None:
    midnight = T0.replace(hour=0)
    created = {
        "day-before": midnight - timedelta(hours=1),
        "at-midnight": midnight,
        "morning": midnight + timedelta(hours=3),
        "morning-1ms": midnight + timedelta(hours=3, milliseconds=1),
        "next-day": midnight + timedelta(days=1, hours=2),
    }
    for n, (job_id, at) in enumerate(created.items()):
        user = f"u{n}@example.com"
        spec = {"user_email": user, "template_name": "T"}
        assert store.insert_job(make_job(job_id, created_at=at, status=S, spec=spec))
    stats = store.job_stats
    for since, jobs in (
        (midnight - timedelta(hours=2), 5),
        (midnight - timedelta(hours=1), 5),
        (midnight - timedelta(minutes=59), 4),
        (midnight, 4),
        (midnight + timedelta(hours=3), 3),
        (midnight + timedelta(hours=3, milliseconds=1), 2),
        (midnight + timedelta(days=1), 1),
        (midnight + timedelta(days=1, hours=3), 0),
    ):
        counts = stats.by_status_and_type(since, counts_only=True)
        assert sum(f.jobs for f in counts.values()) == jobs, since
        assert stats.top_templates(since, None, 5) == ([("T", jobs)] if jobs else []), since
        assert stats.users(since, None, 0).distinct == jobs, since
