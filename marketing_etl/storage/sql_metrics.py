"""MetricsQueries on SQLite / PostgreSQL. (The job counts and durations /metrics shows come
from the dashboard's aggregates, sql_job_stats.py.)"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from marketing_etl.contracts.metrics import QueueSummary
from marketing_etl.models import JobStatus
from marketing_etl.storage.sql_queue import queued_since
from marketing_etl.storage.sql_schema import jobs


class SqlMetrics:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def queue_summary(self) -> QueueSummary:
        stmt = sa.select(sa.func.count(), sa.func.min(queued_since)).where(
            jobs.c.status == JobStatus.QUEUED.value
        )
        with self._engine.connect() as conn:
            depth, oldest = conn.execute(stmt).one()
        return QueueSummary(depth=int(depth), oldest_queued_at=oldest)
