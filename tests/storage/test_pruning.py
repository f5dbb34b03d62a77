"""Contract: pruning expired history (store.pruning, driven by maintenance.prune_once).

Boundaries are exact: a record exactly at its cutoff stays, one a millisecond older goes.
QUEUED and RUNNING jobs keep everything; deletes come in batches; the totals /metrics reports
live in the store; the API-call rollups are not touched.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from marketing_etl.contracts.pruning import PruneKind
from marketing_etl.contracts.rollups import DAY_S, HOUR_S
from marketing_etl.contracts.store import Store
from marketing_etl.maintenance import LEASE_NAME, prune_once
from marketing_etl.models import ApiCall, JobStatus, LogLine
from marketing_etl.plugins import Plugins
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.tokens import TokenVault, load_fernet
from tests.storage.factory import make_job

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
JOB_CUTOFF = NOW - timedelta(days=400)
RECORD_CUTOFF = NOW - timedelta(days=90)  # LOG_RETENTION_DAYS and API_CALL_RETENTION_DAYS
MS = timedelta(milliseconds=1)
LONG_AGO = NOW - timedelta(days=800)


def services(store: Store, **settings: Any) -> Services:
    values = Settings(_env_file=None, secret_key="pruning-contract", **settings)
    vault = TokenVault(store, load_fernet(values), values.token_retention_s)
    return Services(values, store, vault, Plugins())


def add_job(
    store: Store, job_id: str, status: JobStatus, created_at: datetime, records_at: list[datetime]
) -> None:
    """A job with one log line and one API call at each of `records_at`, and a token."""
    store.insert_job(make_job(job_id, created_at=created_at, status=status), token=b"ciphertext")
    store.append_logs([LogLine(job_id=job_id, ts=ts, message=f"at {ts}") for ts in records_at])
    store.record_api_calls(
        [
            ApiCall(job_id=job_id, ts=ts, platform="facebook", endpoint="insights", duration_ms=5)
            for ts in records_at
        ]
    )


def log_times(store: Store, job_id: str) -> list[datetime]:
    return [line.ts for line in store.get_logs(job_id)]


def call_times(store: Store, job_id: str) -> list[datetime]:
    return [call.ts for call in store.get_api_calls(job_id)]


def test_records_exactly_at_the_cutoff_stay_and_older_ones_go(store: Store) -> None:
    edges = [RECORD_CUTOFF - MS, RECORD_CUTOFF, RECORD_CUTOFF + MS]
    add_job(store, "recent", JobStatus.SUCCESS, NOW - timedelta(days=100), edges)

    report = prune_once(services(store), NOW)

    assert log_times(store, "recent") == edges[1:]
    assert call_times(store, "recent") == edges[1:]
    assert report.deleted.rows == {PruneKind.API_CALLS: 1, PruneKind.LOGS: 1, PruneKind.JOBS: 0}
    assert report.complete and report.busy_holder is None
    assert store.get_job("recent") is not None


def test_finished_jobs_go_with_their_records_and_token_exactly_past_the_cutoff(store: Store) -> None:
    recent_records = [NOW - timedelta(days=1)]
    add_job(store, "older", JobStatus.FAILED, JOB_CUTOFF - MS, recent_records)
    add_job(store, "at-cutoff", JobStatus.SUCCESS, JOB_CUTOFF, recent_records)
    add_job(store, "newer", JobStatus.CANCELLED, JOB_CUTOFF + MS, recent_records)

    report = prune_once(services(store), NOW)

    # The expired job's own records go with it, however recent they are.
    assert store.get_job("older") is None
    assert store.get_logs("older") == [] and store.get_api_calls("older") == []
    assert store.get_token("older", NOW) is None
    for kept in ("at-cutoff", "newer"):
        assert store.get_job(kept) is not None
        assert log_times(store, kept) == recent_records and call_times(store, kept) == recent_records
        assert store.get_token(kept, NOW) == b"ciphertext"
    assert report.deleted.rows == {PruneKind.API_CALLS: 1, PruneKind.LOGS: 1, PruneKind.JOBS: 1}


def test_queued_and_running_jobs_keep_everything_however_old(store: Store) -> None:
    ancient = [LONG_AGO, LONG_AGO + timedelta(hours=1)]
    add_job(store, "waiting", JobStatus.QUEUED, LONG_AGO, ancient)
    add_job(store, "running", JobStatus.RUNNING, LONG_AGO, ancient)
    add_job(store, "done", JobStatus.SUCCESS, LONG_AGO, ancient)

    report = prune_once(services(store), NOW)

    for active in ("waiting", "running"):
        assert store.get_job(active) is not None
        assert log_times(store, active) == ancient and call_times(store, active) == ancient
        assert store.get_token(active, NOW) == b"ciphertext"
    assert store.get_job("done") is None
    assert report.deleted.rows == {PruneKind.API_CALLS: 2, PruneKind.LOGS: 2, PruneKind.JOBS: 1}


def test_everything_expired_goes_in_several_small_batches(store: Store) -> None:
    old = [RECORD_CUTOFF - timedelta(minutes=i + 1) for i in range(25)]
    add_job(store, "busy", JobStatus.SUCCESS, NOW - timedelta(days=200), old)
    only_calls = services(store, log_retention_days=0, job_retention_days=0)

    report = prune_once(only_calls, NOW, batch_rows=4)

    assert store.get_api_calls("busy") == []
    assert len(store.get_logs("busy")) == 25  # 0 keeps log lines forever
    assert report.deleted.rows[PruneKind.API_CALLS] == 25
    assert report.batches == 7  # six of 4, then the last one


def test_expired_jobs_records_go_in_batches_before_the_jobs(store: Store) -> None:
    recent = [NOW - timedelta(minutes=i + 1) for i in range(9)]
    for n in range(5):
        add_job(store, f"old-{n}", JobStatus.SUCCESS, LONG_AGO + n * MS, recent)

    report = prune_once(services(store), NOW, batch_rows=16)  # jobs: two at a time

    assert [store.get_job(f"old-{n}") for n in range(5)] == [None] * 5
    assert report.deleted.rows == {PruneKind.API_CALLS: 45, PruneKind.LOGS: 45, PruneKind.JOBS: 5}
    # The records are recent: one empty batch each by age. Then two rounds of two jobs (18 calls
    # in batches of 16 and 2, logs alike, then the jobs) and one of one job (9 calls in one
    # batch, logs alike, then the job).
    assert report.batches == 2 + 2 * (2 + 2 + 1) + (1 + 1 + 1)


def test_zero_retention_keeps_that_kind_forever(store: Store) -> None:
    add_job(store, "ancient", JobStatus.SUCCESS, LONG_AGO, [LONG_AGO])
    keep_all = services(store, job_retention_days=0, log_retention_days=0, api_call_retention_days=0)

    report = prune_once(keep_all, NOW)

    assert store.get_job("ancient") is not None
    assert log_times(store, "ancient") == [LONG_AGO] and call_times(store, "ancient") == [LONG_AGO]
    assert report.deleted.total == 0 and report.batches == 0


def test_a_job_retried_after_it_was_picked_keeps_its_records(store: Store) -> None:
    add_job(store, "revived", JobStatus.FAILED, LONG_AGO, [LONG_AGO])
    assert store.pruning.expired_job_ids(JOB_CUTOFF, 10) == ["revived"]
    assert store.transition("revived", [JobStatus.FAILED], status=JobStatus.QUEUED)

    assert store.pruning.delete_api_calls_of(["revived"], 10) == 0
    assert store.pruning.delete_logs_of(["revived"], 10) == 0
    assert store.pruning.delete_jobs(["revived"], JOB_CUTOFF).total == 0
    assert store.get_job("revived") is not None and log_times(store, "revived") == [LONG_AGO]


def test_totals_add_up_across_passes_and_are_zero_at_first(store: Store) -> None:
    assert store.pruning.pruned_totals() == dict.fromkeys(PruneKind, 0)
    add_job(store, "first", JobStatus.SUCCESS, NOW - timedelta(days=100), [RECORD_CUTOFF - MS] * 3)
    prune_once(services(store), NOW, batch_rows=2)
    add_job(store, "second", JobStatus.SUCCESS, LONG_AGO, [LONG_AGO])
    prune_once(services(store), NOW)

    assert store.pruning.pruned_totals() == {PruneKind.API_CALLS: 4, PruneKind.LOGS: 4, PruneKind.JOBS: 1}


def test_a_pass_while_another_holds_the_lease_deletes_nothing(store: Store) -> None:
    add_job(store, "old", JobStatus.SUCCESS, LONG_AGO, [LONG_AGO])
    real_now = datetime.now(UTC)
    other = store.locks.acquire(
        LEASE_NAME, label="pruning pass", owner="other-run", holder="host-b:42:prune",
        lease_until=real_now + timedelta(minutes=2), now=real_now,
    )
    assert other is None

    skipped = prune_once(services(store), NOW)
    assert skipped.busy_holder == "host-b:42:prune" and skipped.deleted.total == 0
    assert store.get_job("old") is not None

    store.locks.release(LEASE_NAME, "other-run")
    done = prune_once(services(store), NOW)
    assert done.busy_holder is None and done.deleted.rows[PruneKind.JOBS] == 1
    assert store.locks.current(LEASE_NAME, datetime.now(UTC)) is None  # released after the pass


def test_the_rollups_behind_charts_and_metrics_survive_pruning(store: Store) -> None:
    add_job(store, "gone", JobStatus.SUCCESS, LONG_AGO, [LONG_AGO, LONG_AGO + MS])
    add_job(store, "trimmed", JobStatus.FAILED, NOW - timedelta(days=100), [RECORD_CUTOFF - MS])
    hourly, daily = store.rollups.by_platform(HOUR_S, None), store.rollups.by_platform(DAY_S, None)
    assert daily["facebook"].calls == 3

    report = prune_once(services(store), NOW)

    assert report.deleted.rows[PruneKind.API_CALLS] == 3
    assert store.rollups.by_platform(HOUR_S, None) == hourly
    assert store.rollups.by_platform(DAY_S, None) == daily
