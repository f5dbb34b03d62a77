"""Data shapes shared by the API, the store, the executors and the runner: a stored job, its log
lines and API calls, and the job vocabulary (statuses, sortable and filterable fields) every
layer speaks. The create-job body and its spec are in `job_spec.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from marketing_etl.job_spec import JobSpec


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def finished(self) -> bool:
        return self in FINISHED_STATUSES


# A job in one of these will not change again unless retried; the others are still to run.
FINISHED_STATUSES = (JobStatus.SUCCESS, JobStatus.FAILED, JobStatus.CANCELLED)
ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _queued_when_created(data: dict[str, Any]) -> datetime:
    # A new job is queued as it is created; a stored job from before queued_at existed gets
    # its creation time, the best known "queued since" for it.
    created_at: datetime = data.get("created_at") or utcnow()
    return created_at


class Job(BaseModel):
    job_id: str
    spec: JobSpec
    fingerprint: str
    status: JobStatus = JobStatus.QUEUED
    progress: int = Field(0, ge=0, le=100)
    message: str = "Queued"
    attempt: int = 1
    recoveries: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    rows_written: int = 0
    destination_url: str | None = None
    cancel_requested: bool = False
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    checkpoint: dict[str, Any] = Field(default_factory=dict)
    # When the job last became QUEUED (created, retried, re-queued by recovery, handed back).
    queued_at: datetime = Field(default_factory=_queued_when_created)
    # While QUEUED: not before this may the sweeper publish the job again (executors/resend.py);
    # None until its first re-send in this stay in the queue.
    next_resend_at: datetime | None = None

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or utcnow()
        return round((end - self.started_at).total_seconds(), 2)


class LogLine(BaseModel):
    job_id: str
    seq: int = 0  # assigned by the store, increasing per job
    ts: datetime = Field(default_factory=utcnow)
    level: str = "INFO"
    attempt: int = 1
    message: str


class ApiCall(BaseModel):
    job_id: str
    ts: datetime = Field(default_factory=utcnow)
    platform: str
    endpoint: str
    http_status: int | None = None  # None when no response arrived (timeout, refused)
    duration_ms: float
    usage: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


# The jobs list's vocabulary, shared by the API, the cursor and every store backend.
JOB_SORT_FIELDS = ("created_at", "started_at", "finished_at", "status", "task_type", "user_email", "job_id")
# Sort fields that may be empty; every backend orders empty values as the smallest.
NULLABLE_SORT_FIELDS = frozenset({"started_at", "finished_at"})
_TIME_SORT_FIELDS = frozenset({"created_at", "started_at", "finished_at"})
JOB_SORT_PATTERN = rf"^-?({'|'.join(JOB_SORT_FIELDS)})$"
# Filter fields matched exactly; `q` matches a substring of any JOB_SEARCH_FIELDS.
JOB_FILTER_FIELDS = ("status", "task_type", "template_name", "user_email")
JOB_SEARCH_FIELDS = ("job_id", "user_email", "sheet_name")


@dataclass(frozen=True)
class JobSort:
    """A jobs list's order: one of JOB_SORT_FIELDS, written "-field" when descending."""

    field: str
    descending: bool = False

    @classmethod
    def parse(cls, text: str) -> JobSort:
        field = text.removeprefix("-")
        if field not in JOB_SORT_FIELDS:
            allowed = ", ".join(sorted(JOB_SORT_FIELDS))
            raise ValueError(f"cannot sort jobs by '{field}'; use one of {allowed}")
        return cls(field, text.startswith("-"))

    def __str__(self) -> str:
        return f"-{self.field}" if self.descending else self.field

    @property
    def nullable(self) -> bool:
        return self.field in NULLABLE_SORT_FIELDS

    @property
    def is_time(self) -> bool:
        return self.field in _TIME_SORT_FIELDS


class JobFilter(BaseModel):
    status: JobStatus | None = None
    task_type: str | None = None
    template_name: str | None = None
    user_email: str | None = None
    q: str | None = None  # substring of any JOB_SEARCH_FIELDS
    since: datetime | None = None  # created_at >= since

    def exact(self) -> dict[str, str]:
        """The JOB_FILTER_FIELDS that are set, as stored (an enum by its value)."""
        values = {name: getattr(self, name) for name in JOB_FILTER_FIELDS}
        return {name: str(getattr(v, "value", v)) for name, v in values.items() if v is not None}
