"""The Store protocol: what the API, executors and runner need from a database.

Every backend (SQL via SQLAlchemy Core, MongoDB via pymongo) implements exactly this and passes
the shared contract suite in tests/storage/; the drivers are in storage/. Times are timezone-aware
UTC datetimes.
State changes that two processes may race on (claiming, finishing, cancelling) are
compare-and-set: they name the statuses they expect and return whether they applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from marketing_etl.contracts.ciphertexts import Ciphertexts
from marketing_etl.contracts.connections import ConnectionStore
from marketing_etl.contracts.fx_rates import RateCache
from marketing_etl.contracts.job_pages import JobPages
from marketing_etl.contracts.job_stats import JobStats
from marketing_etl.contracts.locks import Locks
from marketing_etl.contracts.metrics import MetricsQueries
from marketing_etl.contracts.notifications import NotificationStore
from marketing_etl.contracts.pruning import Pruning
from marketing_etl.contracts.queue import QueueQueries
from marketing_etl.contracts.rollups import ApiCallRollups
from marketing_etl.contracts.schedules import ScheduleStore
from marketing_etl.contracts.totals import TotalsCheckStore
from marketing_etl.models import ApiCall, Job, JobFilter, JobStatus, LogLine

# Fields of Job that `update_job` / `transition` may set. Anything else is a programming error.
MUTABLE_JOB_FIELDS = frozenset(
    {
        "status",
        "progress",
        "message",
        "attempt",
        "recoveries",
        "started_at",
        "finished_at",
        "rows_written",
        "destination_url",
        "cancel_requested",
        "lease_owner",
        "lease_expires_at",
        "checkpoint",
        "queued_at",
        "next_resend_at",
    }
)


class StoreBusy(Exception):
    """The database stayed locked by other writers past the caller's wait budget. The write was
    rolled back: nothing of it is stored, so sending the same request again is safe."""


class Store(Protocol):
    @property
    def schedules(self) -> ScheduleStore:
        """Recurring reports, kept in the same database."""

    @property
    def connections(self) -> ConnectionStore:
        """Saved platform connections (encrypted tokens and their last check)."""

    @property
    def totals_checks(self) -> TotalsCheckStore:
        """Each job's comparison of its rows with the platform's totals."""

    @property
    def notifications(self) -> NotificationStore:
        """The outbox of notifications and their delivery attempts."""

    @property
    def metrics(self) -> MetricsQueries:
        """Totals for GET /metrics, aggregated by the database."""

    @property
    def job_stats(self) -> JobStats:
        """Aggregates over the jobs of a time range (dashboard cards and mixes, /metrics)."""

    @property
    def job_pages(self) -> JobPages:
        """The jobs list, page by page from a position (keyset), with a bounded count."""

    @property
    def fx_rates(self) -> RateCache:
        """Exchange rates jobs resolved, kept so the same dates convert the same way later."""

    @property
    def locks(self) -> Locks:
        """Named leases, e.g. the one writer of a sheet tab."""

    @property
    def queue(self) -> QueueQueries:
        """Finding and marking queued jobs to publish again."""

    @property
    def rollups(self) -> ApiCallRollups:
        """API-call counters per hour and per day, kept as calls are recorded."""

    @property
    def ciphertexts(self) -> Ciphertexts:
        """Every encrypted token (jobs' and schedules'), for re-encrypting under a new key."""

    @property
    def pruning(self) -> Pruning:
        """Deleting raw history past its retention, in small batches (maintenance.py)."""

    # lifecycle
    def init(self) -> None:
        """Bring the schema to this version's (SQL: Alembic revisions; MongoDB: indexes and its
        schema version) and finish any one-time backfill; idempotent, safe from several processes."""

    def close(self) -> None: ...

    def ping(self) -> None:
        """Raise if the database cannot be reached."""

    # jobs
    def insert_job(self, job: Job, token: bytes | None = None, logs: Sequence[LogLine] = ()) -> bool:
        """Insert the job, its encrypted token and its first log lines (seq 1..n) together;
        False (and no change, token and lines included) if the job_id exists. A worker can
        claim the job the moment it is visible, so the token must never arrive after it.
        Raises StoreBusy, having stored nothing, if the database stays locked too long."""

    def get_job(self, job_id: str) -> Job | None: ...

    def update_job(self, job_id: str, **fields: Any) -> None:
        """Set fields unconditionally (progress, message, checkpoint ...)."""

    def transition(
        self, job_id: str, expected: Iterable[JobStatus], *, owner: str | None = None, **fields: Any
    ) -> bool:
        """Set fields only if the job's status is one of `expected` (and, when `owner` is
        given, only if that worker still holds the lease); True if it applied."""

    def claim(self, job_id: str, owner: str, lease_until: datetime, now: datetime) -> Job | None:
        """QUEUED -> RUNNING with a lease for `owner`; None if the job was not QUEUED.
        started_at is set to `now`; progress and message are left to the caller."""

    def renew_lease(self, job_id: str, owner: str, lease_until: datetime) -> bool:
        """Extend the lease if `owner` still holds it and the job is RUNNING."""

    def queued_job_ids(self, limit: int) -> list[str]:
        """Oldest QUEUED jobs first."""

    def expired_leases(self, now: datetime) -> list[Job]:
        """RUNNING jobs whose lease_expires_at is before `now`."""

    def list_jobs(
        self, flt: JobFilter, offset: int, limit: int, sort: str = "-created_at"
    ) -> tuple[list[Job], int]:
        """A page of jobs matching the filter and the total count. `sort` is a Job field name,
        prefixed with '-' for descending (created_at, started_at, finished_at, status,
        task_type, user_email, job_id)."""

    def count_jobs_by(self, flt: JobFilter, field: str) -> dict[str, int]:
        """Counts of matching jobs grouped by `field` (status, task_type, user_email)."""

    # logs
    def append_logs(self, lines: Sequence[LogLine]) -> None:
        """Append in order; the store assigns each line's seq (increasing per job)."""

    def get_logs(self, job_id: str, after_seq: int = 0, limit: int | None = None) -> list[LogLine]: ...

    # API calls
    def record_api_calls(self, calls: Sequence[ApiCall]) -> None:
        """Store the calls and add them to the rollups (in one transaction on SQL)."""

    def get_api_calls(self, job_id: str) -> list[ApiCall]:
        """One job's calls, oldest first. Aggregates over many jobs come from `rollups`."""

    # encrypted access tokens (ciphertext only; the store never sees a plaintext token)
    def put_token(self, job_id: str, ciphertext: bytes, expires_at: datetime | None) -> None:
        """Store or replace; expires_at None means keep until deleted."""

    def get_token(self, job_id: str, now: datetime) -> bytes | None:
        """The ciphertext, or None if missing or expired."""

    def set_token_expiry(self, job_id: str, expires_at: datetime | None) -> None: ...

    def delete_token(self, job_id: str) -> None: ...

    def purge_expired_tokens(self, now: datetime) -> int:
        """Delete expired tokens; returns how many."""
