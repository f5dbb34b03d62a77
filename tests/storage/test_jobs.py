"""Contract: storing jobs and changing their state, including the races between workers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import TypeVar

import pytest

from marketing_etl.contracts.store import Store
from marketing_etl.models import Job, JobStatus
from tests.storage.factory import T0, make_job

R = TypeVar("R")
ICT = timezone(timedelta(hours=7))  # the marketing team's time zone


def race(workers: int, action: Callable[[int], R]) -> list[R]:
    """Run action(i) in `workers` threads released at the same instant."""
    barrier = threading.Barrier(workers)
    results: list[R] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        barrier.wait()
        result = action(i)
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == workers, "a worker thread failed"
    return results


def full_job() -> Job:
    """Every field away from its default, times in a non-UTC zone with microseconds."""
    return make_job(
        "fb-2026-03:full@1",
        spec={
            "task_type": "facebook_breakdown",
            "spreadsheet_id": "https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUv/edit",
            "is_overwrite": True,
            "accounts": [{"id": "act_123", "name": "Shop VN"}, "456"],
            "template_name": "Campaign Performance by Age",
            "selected_fields": ["spend", "impressions"],
            "destination": "csv",
            "task_id": "celery-1",
        },
        status=JobStatus.RUNNING,
        progress=42,
        message="Fetching account 2 of 2",
        attempt=2,
        recoveries=1,
        created_at=datetime(2026, 3, 1, 16, 0, 0, 123456, tzinfo=ICT),
        started_at=datetime(2026, 3, 1, 16, 0, 5, 999999, tzinfo=ICT),
        finished_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        rows_written=1234,
        destination_url="file:///reports/out.csv",
        cancel_requested=True,
        lease_owner="host:42:worker-1",
        lease_expires_at=datetime(2026, 3, 1, 9, 31, tzinfo=UTC),
        checkpoint={"rows_done": 600, "tabs": ["Daily", "Totals"], "cursor": {"after": "x", "n": None}},
        queued_at=datetime(2026, 3, 1, 16, 2, 0, 654321, tzinfo=ICT),
        next_resend_at=datetime(2026, 3, 1, 9, 34, tzinfo=UTC),
    )


def test_full_job_round_trips_with_aware_utc_times_at_millisecond_precision(store: Store) -> None:
    job = full_job()
    assert store.insert_job(job) is True
    got = store.get_job(job.job_id)
    assert got is not None
    times = ("created_at", "started_at", "finished_at", "lease_expires_at", "queued_at", "next_resend_at")
    for name in times:
        value = getattr(got, name)
        assert value.utcoffset() == timedelta(0), name
    assert got.created_at == datetime(2026, 3, 1, 9, 0, 0, 123000, tzinfo=UTC)
    assert got.started_at == datetime(2026, 3, 1, 9, 0, 5, 999000, tzinfo=UTC)
    assert got.queued_at == datetime(2026, 3, 1, 9, 2, 0, 654000, tzinfo=UTC)
    assert got.next_resend_at == datetime(2026, 3, 1, 9, 34, tzinfo=UTC)
    assert got.model_dump(exclude=set(times)) == job.model_dump(exclude=set(times))
    assert got.spec == job.spec
    assert got.fingerprint == job.spec.fingerprint()


def test_default_job_round_trips(store: Store) -> None:
    job = make_job("plain")
    store.insert_job(job)
    assert store.get_job("plain") == job


def test_unknown_job_is_none(store: Store) -> None:
    assert store.get_job("nope") is None


def test_duplicate_insert_is_refused_and_leaves_the_original(store: Store) -> None:
    original = make_job("dup", spec={"sheet_name": "First"})
    assert store.insert_job(original) is True
    assert store.insert_job(make_job("dup", spec={"sheet_name": "Second"}, progress=50)) is False
    assert store.get_job("dup") == original


def test_concurrent_duplicate_inserts_have_one_winner(store: Store) -> None:
    results = race(8, lambda i: store.insert_job(make_job("same", spec={"sheet_name": f"S{i}"})))
    assert sorted(results) == [False] * 7 + [True]


def test_update_job_sets_fields_and_keeps_the_rest(store: Store) -> None:
    store.insert_job(make_job("u"))
    store.update_job("u", progress=30, message="Half way", checkpoint={"written": [1, 2]}, rows_written=7)
    got = store.get_job("u")
    assert got is not None
    assert (got.progress, got.message, got.checkpoint, got.rows_written) == (
        30,
        "Half way",
        {"written": [1, 2]},
        7,
    )
    assert got.status is JobStatus.QUEUED


@pytest.mark.parametrize("field", ["spec", "fingerprint", "created_at", "log_seq", "nonsense"])
def test_update_job_rejects_immutable_or_unknown_fields(store: Store, field: str) -> None:
    store.insert_job(make_job("u"))
    with pytest.raises(ValueError, match=field):
        store.update_job("u", **{field: "x"})
    with pytest.raises(ValueError, match=field):
        store.transition("u", [JobStatus.QUEUED], **{field: "x"})
    assert store.get_job("u") == make_job("u")


def test_transition_applies_only_from_expected_statuses(store: Store) -> None:
    store.insert_job(make_job("t"))
    assert store.transition("t", [JobStatus.RUNNING], status=JobStatus.SUCCESS) is False
    got = store.get_job("t")
    assert got is not None and got.status is JobStatus.QUEUED
    finished = T0 + timedelta(hours=1)
    applied = store.transition(
        "t",
        [JobStatus.QUEUED, JobStatus.RUNNING],
        status=JobStatus.CANCELLED,
        message="Cancelled by user.",
        finished_at=finished,
    )
    assert applied is True
    got = store.get_job("t")
    assert got is not None
    assert (got.status, got.message, got.finished_at) == (JobStatus.CANCELLED, "Cancelled by user.", finished)
    assert store.transition("t", (s for s in [JobStatus.QUEUED]), status=JobStatus.RUNNING) is False
    assert store.transition("missing", [JobStatus.QUEUED], status=JobStatus.RUNNING) is False


def test_transition_with_owner_applies_only_for_the_lease_holder(store: Store) -> None:
    store.insert_job(make_job("own"))
    store.claim("own", "w1", T0 + timedelta(minutes=1), T0)
    assert store.transition("own", [JobStatus.RUNNING], owner="w2", status=JobStatus.SUCCESS) is False
    assert store.transition("own", [JobStatus.RUNNING], owner="w1", status=JobStatus.SUCCESS) is True
    got = store.get_job("own")
    assert got is not None and got.status is JobStatus.SUCCESS


def test_insert_with_token_stores_both_and_a_lost_insert_keeps_the_first_token(store: Store) -> None:
    assert store.insert_job(make_job("tok"), b"cipher-1") is True
    assert store.get_token("tok", T0) == b"cipher-1"
    assert store.insert_job(make_job("tok"), b"cipher-2") is False
    assert store.get_token("tok", T0) == b"cipher-1"


def test_claim_moves_queued_to_running_once(store: Store) -> None:
    store.insert_job(make_job("c", progress=0, message="Queued"))
    now = T0 + timedelta(minutes=5)
    lease = now + timedelta(minutes=1)
    job = store.claim("c", "w1", lease, now)
    assert job is not None
    assert (job.status, job.lease_owner, job.lease_expires_at, job.started_at) == (
        JobStatus.RUNNING,
        "w1",
        lease,
        now,
    )
    assert (job.progress, job.message) == (0, "Queued")
    assert store.get_job("c") == job
    assert store.claim("c", "w2", lease, now) is None
    assert store.claim("missing", "w2", lease, now) is None


def test_only_one_of_eight_concurrent_claims_wins(store: Store) -> None:
    store.insert_job(make_job("hot"))
    lease = T0 + timedelta(minutes=1)
    results = race(8, lambda i: store.claim("hot", f"w{i}", lease, T0))
    winners = [job for job in results if job is not None]
    assert len(winners) == 1
    stored = store.get_job("hot")
    assert stored is not None and stored.lease_owner == winners[0].lease_owner


def test_renew_lease_only_for_owner_while_running(store: Store) -> None:
    store.insert_job(make_job("l"))
    assert store.renew_lease("l", "w1", T0) is False  # still QUEUED
    store.claim("l", "w1", T0 + timedelta(minutes=1), T0)
    later = T0 + timedelta(minutes=3)
    assert store.renew_lease("l", "w2", later) is False
    assert store.renew_lease("l", "w1", later) is True
    got = store.get_job("l")
    assert got is not None and got.lease_expires_at == later
    store.transition("l", [JobStatus.RUNNING], status=JobStatus.SUCCESS)
    assert store.renew_lease("l", "w1", later + timedelta(minutes=1)) is False


def test_queued_job_ids_oldest_first(store: Store) -> None:
    for job_id, minute in [("b", 2), ("a", 3), ("c", 1), ("d", 0)]:
        store.insert_job(make_job(job_id, minute=minute))
    store.claim("d", "w", T0 + timedelta(hours=1), T0)
    assert store.queued_job_ids(10) == ["c", "b", "a"]
    assert store.queued_job_ids(2) == ["c", "b"]


def test_expired_leases_are_running_jobs_past_their_lease(store: Store) -> None:
    now = T0 + timedelta(minutes=10)
    for job_id, lease_minute in [("late", 9), ("later", 5), ("fresh", 11)]:
        store.insert_job(make_job(job_id))
        store.claim(job_id, "w", T0 + timedelta(minutes=lease_minute), T0)
    store.insert_job(make_job("finished"))
    store.claim("finished", "w", T0 + timedelta(minutes=1), T0)
    store.transition("finished", [JobStatus.RUNNING], status=JobStatus.FAILED)
    store.insert_job(make_job("queued", lease_expires_at=T0))
    expired = store.expired_leases(now)
    assert [job.job_id for job in expired] == ["later", "late"]
    assert all(job.status is JobStatus.RUNNING for job in expired)
