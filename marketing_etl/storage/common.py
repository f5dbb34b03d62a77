"""Rules every backend applies the same way: which fields may change, how jobs are grouped
(models.py's JobSort says how they are sorted), how values are normalised before they are
stored, and how a job maps to a flat record.

Times are kept at millisecond precision on every backend because MongoDB's BSON dates cannot
hold more; truncating everywhere keeps the backends interchangeable (a value read back equals
the value read back from any other backend).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from marketing_etl.contracts.store import MUTABLE_JOB_FIELDS
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import Job, LogLine

GROUP_FIELDS = frozenset({"status", "task_type", "user_email"})
# Spec fields copied into their own columns so the dashboard can filter and sort on them.
SPEC_COLUMNS = ("task_type", "user_email", "template_name", "sheet_name")


def to_utc(value: datetime) -> datetime:
    """Aware UTC at millisecond precision. A naive value is taken to be UTC already (what a
    query-string date parses to), rather than the machine's local time."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.replace(microsecond=aware.microsecond // 1000 * 1000)


def plain(value: Any) -> Any:
    """A value as stored: enums by their value (a driver might otherwise use the member name),
    datetimes normalised."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return to_utc(value)
    return value


def mutable_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - MUTABLE_JOB_FIELDS
    if unknown:
        raise ValueError(f"job fields cannot be changed: {', '.join(sorted(unknown))}")
    return {name: plain(value) for name, value in fields.items()}


def check_group_field(field: str) -> None:
    if field not in GROUP_FIELDS:
        raise ValueError(f"cannot count jobs by '{field}'; use one of {', '.join(sorted(GROUP_FIELDS))}")


def check_page(offset: int, limit: int) -> None:
    if offset < 0 or limit < 0:
        raise ValueError("offset and limit must be zero or more")


def first_log_lines(job: Job, lines: Sequence[LogLine]) -> list[LogLine]:
    """A new job's first lines, numbered from seq 1 (the job's log_seq becomes their count)."""
    strays = {line.job_id for line in lines} - {job.job_id}
    if strays:
        raise ValueError(f"log lines of job(s) {', '.join(sorted(strays))} given with job '{job.job_id}'")
    return [line.model_copy(update={"seq": seq}) for seq, line in enumerate(lines, start=1)]


def job_record(job: Job) -> dict[str, Any]:
    """The job as one flat record: its own fields, the spec as JSON, and the spec columns."""
    record = {name: plain(value) for name, value in job if name != "spec"}
    record["spec"] = job.spec.model_dump(mode="json")
    for name in SPEC_COLUMNS:
        record[name] = plain(getattr(job.spec, name))
    return record


def job_from_record(record: Mapping[Any, Any]) -> Job:
    # A field missing or empty in the record takes the model's default: rows and documents
    # stored before a field existed (queued_at falls back to created_at) read back whole.
    fields = {name: record.get(name) for name in Job.model_fields if name != "spec"}
    present = {name: value for name, value in fields.items() if value is not None}
    return Job(spec=JobSpec.model_validate(record["spec"]), **present)
