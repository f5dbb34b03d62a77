"""Contract: when a job was queued, which queued jobs are due to be published again, and the
queue figures behind /healthz and /metrics."""

from __future__ import annotations

from datetime import timedelta

from marketing_etl.contracts.store import Store
from marketing_etl.models import JobStatus
from marketing_etl.storage.common import job_from_record, job_record
from tests.storage.factory import T0, make_job


def test_a_new_job_is_queued_when_it_is_created(store: Store) -> None:
    store.insert_job(make_job("new", minute=3))
    got = store.get_job("new")
    assert got is not None
    assert (got.queued_at, got.next_resend_at) == (T0 + timedelta(minutes=3), None)


def test_a_job_stored_without_queued_at_counts_as_queued_since_created(store: Store) -> None:
    store.insert_job(make_job("legacy", minute=5))
    store.update_job("legacy", queued_at=None)  # what a row from before the field holds
    got = store.get_job("legacy")
    assert got is not None and got.queued_at == T0 + timedelta(minutes=5)
    due = store.queue.due_for_resend(T0 + timedelta(minutes=6), T0 + timedelta(minutes=6), 10)
    assert [job.job_id for job in due] == ["legacy"]
    assert store.metrics.queue_summary().oldest_queued_at == T0 + timedelta(minutes=5)


def test_a_record_missing_the_newer_fields_reads_back_whole() -> None:
    record = job_record(make_job("old", minute=2))
    del record["queued_at"], record["next_resend_at"]  # a MongoDB document from before them
    job = job_from_record(record)
    assert (job.queued_at, job.next_resend_at) == (T0 + timedelta(minutes=2), None)


def test_due_for_resend_takes_queued_jobs_past_the_cutoff_and_their_pause(store: Store) -> None:
    now = T0 + timedelta(minutes=60)
    store.insert_job(make_job("oldest", minute=0, queued_at=T0 + timedelta(minutes=10)))
    store.insert_job(make_job("older", minute=20))
    store.insert_job(make_job("paused", minute=1, next_resend_at=now + timedelta(seconds=1)))
    store.insert_job(make_job("pause-over", minute=30, next_resend_at=now))
    store.insert_job(make_job("too-recent", minute=55))
    store.insert_job(make_job("running", minute=2, status=JobStatus.RUNNING))
    store.insert_job(make_job("failed", minute=2, status=JobStatus.FAILED))
    cutoff = T0 + timedelta(minutes=50)
    due = store.queue.due_for_resend(cutoff, now, 10)
    # Longest waiting first, by queued_at (not created_at).
    assert [job.job_id for job in due] == ["oldest", "older", "pause-over"]
    assert [job.job_id for job in store.queue.due_for_resend(cutoff, now, 2)] == ["oldest", "older"]
    assert store.queue.due_for_resend(cutoff, now, 0) == []


def test_defer_resend_applies_once_per_seen_value(store: Store) -> None:
    store.insert_job(make_job("q"))
    first, second = T0 + timedelta(minutes=2), T0 + timedelta(minutes=6)
    assert store.queue.defer_resend("q", None, first) is True
    # A second sweeper that read the job before the first one marked it loses.
    assert store.queue.defer_resend("q", None, first) is False
    assert store.queue.defer_resend("q", first, second) is True
    got = store.get_job("q")
    assert got is not None and got.next_resend_at == second
    assert store.queue.defer_resend("missing", None, first) is False


def test_defer_resend_leaves_a_job_that_is_no_longer_queued(store: Store) -> None:
    store.insert_job(make_job("taken"))
    assert store.claim("taken", "w", T0 + timedelta(minutes=1), T0) is not None
    assert store.queue.defer_resend("taken", None, T0 + timedelta(minutes=2)) is False
    got = store.get_job("taken")
    assert got is not None and got.next_resend_at is None


def test_queue_summary_counts_queued_jobs_and_finds_the_longest_waiting(store: Store) -> None:
    empty = store.metrics.queue_summary()
    assert (empty.depth, empty.oldest_queued_at) == (0, None)
    store.insert_job(make_job("a", minute=1, queued_at=T0 + timedelta(minutes=40)))
    store.insert_job(make_job("b", minute=30))
    store.insert_job(make_job("c", minute=0, status=JobStatus.RUNNING))
    summary = store.metrics.queue_summary()
    assert (summary.depth, summary.oldest_queued_at) == (2, T0 + timedelta(minutes=30))
