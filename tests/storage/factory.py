"""Building jobs for the storage contract suite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from marketing_etl.job_spec import JobSpec
from marketing_etl.models import Job

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def make_spec(job_id: str, **overrides: Any) -> JobSpec:
    fields: dict[str, Any] = {
        "task_type": "facebook_daily",
        "job_id": job_id,
        "start_date": "2026-02-01",
        "end_date": "2026-02-28",
        "user_email": "ann@example.com",
        "sheet_name": "Daily",
    }
    fields.update(overrides)
    return JobSpec.model_validate(fields)


def make_job(job_id: str, *, minute: int = 0, spec: dict[str, Any] | None = None, **job_fields: Any) -> Job:
    """A QUEUED job created `minute` minutes after T0, so tests can order jobs by age."""
    job_spec = make_spec(job_id, **(spec or {}))
    job_fields.setdefault("created_at", T0 + timedelta(minutes=minute))
    return Job(job_id=job_id, spec=job_spec, fingerprint=job_spec.fingerprint(), **job_fields)
