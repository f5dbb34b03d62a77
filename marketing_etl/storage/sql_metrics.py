"""MetricsQueries on SQLite / PostgreSQL: one GROUP BY query per figure."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from marketing_etl.models import JobStatus
from marketing_etl.storage.metrics_base import (
    DURATION_BUCKETS_S,
    ERROR,
    OK,
    WAIT_USAGE_KEYS,
    CallTotals,
    Durations,
    QueueSummary,
)
from marketing_etl.storage.sql_queue import queued_since
from marketing_etl.storage.sql_schema import api_calls, jobs

_FINISHED = [JobStatus.SUCCESS.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value]


class SqlMetrics:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def jobs_by_status_and_type(self) -> dict[tuple[str, str], int]:
        stmt = sa.select(jobs.c.status, jobs.c.task_type, sa.func.count()).group_by(
            jobs.c.status, jobs.c.task_type
        )
        with self._engine.connect() as conn:
            return {(status, task_type): n for status, task_type, n in conn.execute(stmt)}

    def queue_summary(self) -> QueueSummary:
        stmt = sa.select(sa.func.count(), sa.func.min(queued_since)).where(
            jobs.c.status == JobStatus.QUEUED.value
        )
        with self._engine.connect() as conn:
            depth, oldest = conn.execute(stmt).one()
        return QueueSummary(depth=int(depth), oldest_queued_at=oldest)

    def finished_durations(self) -> dict[str, Durations]:
        duration = self._duration_s()
        stmt = (
            sa.select(
                jobs.c.task_type,
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(duration), 0.0),
                *(sa.func.sum(sa.case((duration <= bound, 1), else_=0)) for bound in DURATION_BUCKETS_S),
            )
            .where(
                jobs.c.status.in_(_FINISHED),
                jobs.c.started_at.is_not(None),
                jobs.c.finished_at.is_not(None),
            )
            .group_by(jobs.c.task_type)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return {
            row[0]: Durations(buckets=[int(n) for n in row[3:]], count=int(row[1]), sum_s=float(row[2]))
            for row in rows
        }

    def _duration_s(self) -> sa.ColumnElement[float]:
        if self._engine.dialect.name == "sqlite":
            days = sa.func.julianday(jobs.c.finished_at) - sa.func.julianday(jobs.c.started_at)
            return sa.cast(days * 86_400.0, sa.Float)
        return sa.cast(sa.extract("epoch", jobs.c.finished_at - jobs.c.started_at), sa.Float)

    def api_call_totals(
        self, since: datetime | None, until: datetime | None
    ) -> dict[tuple[str, str], CallTotals]:
        ok = sa.and_(api_calls.c.error.is_(None), api_calls.c.http_status < 400)
        outcome = sa.case((ok, OK), else_=ERROR)
        waited = sum(
            (sa.func.coalesce(api_calls.c.usage[key].as_float(), 0.0) for key in WAIT_USAGE_KEYS),
            sa.literal(0.0),
        )
        where: list[sa.ColumnElement[bool]] = []
        if since is not None:
            where.append(api_calls.c.ts >= since)
        if until is not None:
            where.append(api_calls.c.ts < until)
        stmt = (
            sa.select(
                api_calls.c.platform, outcome, sa.func.count(), sa.func.coalesce(sa.func.sum(waited), 0.0)
            )
            .where(*where)
            .group_by(api_calls.c.platform, outcome)
        )
        with self._engine.connect() as conn:
            return {
                (platform, kind): CallTotals(calls=int(n), wait_s=float(wait))
                for platform, kind, n, wait in conn.execute(stmt)
            }
