"""QueueQueries on SQLite / PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from marketing_etl.models import Job, JobStatus
from marketing_etl.storage.common import job_from_record
from marketing_etl.storage.sql_schema import jobs

# Rows stored before queued_at existed count as queued since their creation.
queued_since = sa.func.coalesce(jobs.c.queued_at, jobs.c.created_at)


class SqlQueue:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def due_for_resend(self, queued_before: datetime, now: datetime, limit: int) -> list[Job]:
        stmt = (
            sa.select(jobs)
            .where(
                jobs.c.status == JobStatus.QUEUED.value,
                queued_since < queued_before,
                sa.or_(jobs.c.next_resend_at.is_(None), jobs.c.next_resend_at <= now),
            )
            .order_by(queued_since, jobs.c.job_id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [job_from_record(row) for row in conn.execute(stmt).mappings()]

    def defer_resend(self, job_id: str, seen: datetime | None, until: datetime) -> bool:
        unchanged = jobs.c.next_resend_at.is_(None) if seen is None else jobs.c.next_resend_at == seen
        stmt = (
            sa.update(jobs)
            .where(jobs.c.job_id == job_id, jobs.c.status == JobStatus.QUEUED.value, unchanged)
            .values(next_resend_at=until)
        )
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1
