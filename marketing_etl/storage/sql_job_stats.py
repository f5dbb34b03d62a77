"""JobStats on SQLite / PostgreSQL: one GROUP BY query per figure, each answered from a covering
index that leads with its GROUP BY columns (ix_jobs_stats, ix_jobs_user_stats,
ix_jobs_template_stats in sql_schema.py), so groups come out in order, from index entries
only; small windows may go through ix_jobs_created instead. The plans are checked by
tests/storage/test_job_stat_plans.py; benchmarks/dashboard_jobs.py times them."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from marketing_etl.models import JobStatus, TaskType
from marketing_etl.storage.job_stats_base import FAILED, FINISHED, StatusTypeFigures, UserFigures
from marketing_etl.storage.metrics_base import DURATION_BUCKETS_S
from marketing_etl.storage.sql_schema import jobs

# Durations are whole milliseconds; SQLite's julianday arithmetic is off by a few microseconds.
_HALF_MS = 0.0005


def duration_s(dialect: str) -> sa.ColumnElement[float]:
    """finished_at - started_at in seconds, computed by the database: the one place the dialects
    differ. SQLite stores times as text and subtracts julian days (a few microseconds off, which
    the histogram's half-millisecond margin absorbs); PostgreSQL subtracts timestamps, and
    date_part gives the interval as a float (EXTRACT's numeric is slower to add up)."""
    if dialect == "sqlite":
        days = sa.func.julianday(jobs.c.finished_at) - sa.func.julianday(jobs.c.started_at)
        return days * 86_400.0
    return sa.func.date_part("epoch", jobs.c.finished_at - jobs.c.started_at)


def _every_group(task_types: Collection[str] | None) -> list[sa.ColumnElement[bool]]:
    """status IN (every status) AND task_type IN (every type, or the platform's): no job is left
    out, but the database now reads ix_jobs_stats as one short range per (status, task type),
    the window's, in GROUP BY order, instead of scanning it all or sorting the window."""
    types = sorted(task_types) if task_types is not None else [t.value for t in TaskType]
    return [jobs.c.status.in_([s.value for s in JobStatus]), jobs.c.task_type.in_(types)]


def window(since: datetime | None, task_types: Collection[str] | None) -> list[sa.ColumnElement[bool]]:
    """Jobs created since `since`, of `task_types`. The task type is compared as an expression
    (task_type || ''), which no index answers: the user and template figures then read their
    covering index, which holds the task type, instead of finding a platform's jobs (most of
    them) through ix_jobs_task_type_created and then each one's row (7-10x slower, measured)."""
    where: list[sa.ColumnElement[bool]] = []
    if since is not None:
        where.append(jobs.c.created_at >= since)
    if task_types is not None:
        where.append(jobs.c.task_type.concat("").in_(sorted(task_types)))
    return where


def by_text(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    """Text ordered by code point, as Python and MongoDB order it (PostgreSQL would otherwise
    follow the database's locale), so ties list the same way on every backend."""
    return column if dialect == "sqlite" else sa.collate(column, "C")


class SqlJobStats:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name

    def by_status_and_type(
        self,
        since: datetime | None = None,
        task_types: Collection[str] | None = None,
        *,
        histogram: bool = False,
        counts_only: bool = False,
    ) -> dict[tuple[str, str], StatusTypeFigures]:
        if counts_only:
            return self._counts(since, task_types)
        timed = sa.and_(
            jobs.c.status.in_(FINISHED), jobs.c.started_at.is_not(None), jobs.c.finished_at.is_not(None)
        )
        duration = sa.case((timed, duration_s(self._dialect)), else_=sa.null())
        if histogram:
            return self._with_histogram(since, task_types, duration)
        stmt = (
            sa.select(
                jobs.c.status,
                jobs.c.task_type,
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(jobs.c.rows_written), 0),
                # Counted without the duration: each mention of it computes it again.
                sa.func.sum(sa.case((timed, 1), else_=0)),
                sa.func.coalesce(sa.func.sum(duration), 0.0),
            )
            .where(*_every_group(task_types), *window(since, None))
            .group_by(jobs.c.status, jobs.c.task_type)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return {
            (row[0], row[1]): StatusTypeFigures(
                jobs=int(row[2]), rows_written=int(row[3]), timed=int(row[4]), duration_sum_s=float(row[5])
            )
            for row in rows
        }

    def _counts(
        self, since: datetime | None, task_types: Collection[str] | None
    ) -> dict[tuple[str, str], StatusTypeFigures]:
        stmt = (
            sa.select(jobs.c.status, jobs.c.task_type, sa.func.count())
            .where(*_every_group(task_types), *window(since, None))
            .group_by(jobs.c.status, jobs.c.task_type)
        )
        with self._engine.connect() as conn:
            return {
                (status, task_type): StatusTypeFigures(jobs=int(n))
                for status, task_type, n in conn.execute(stmt)
            }

    def _with_histogram(
        self, since: datetime | None, task_types: Collection[str] | None, duration: sa.ColumnElement[float]
    ) -> dict[tuple[str, str], StatusTypeFigures]:
        # Each bucket compares the duration: computed once per job in the inner query, which
        # OFFSET 0 keeps the database from merging into the outer one (SQLite would otherwise
        # parse both times again for every bucket).
        inner = (
            sa.select(jobs.c.status, jobs.c.task_type, jobs.c.rows_written, duration.label("d"))
            .where(*_every_group(task_types), *window(since, None))
            .offset(0)
            .subquery("w")
        )
        d = inner.c.d
        stmt = sa.select(
            inner.c.status,
            inner.c.task_type,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(inner.c.rows_written), 0),
            sa.func.count(d),
            sa.func.coalesce(sa.func.sum(d), 0.0),
            *(sa.func.sum(sa.case((d <= bound + _HALF_MS, 1), else_=0)) for bound in DURATION_BUCKETS_S),
        ).group_by(inner.c.status, inner.c.task_type)
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return {
            (row[0], row[1]): StatusTypeFigures(
                jobs=int(row[2]),
                rows_written=int(row[3]),
                timed=int(row[4]),
                duration_sum_s=float(row[5]),
                duration_buckets=[int(n) for n in row[6:]],
            )
            for row in rows
        }

    def top_templates(
        self, since: datetime | None, task_types: Collection[str] | None, limit: int
    ) -> list[tuple[str, int]]:
        count = sa.func.count().label("n")
        stmt = (
            sa.select(jobs.c.template_name, count)
            .where(*window(since, task_types), jobs.c.template_name.is_not(None), jobs.c.template_name != "")
            .group_by(jobs.c.template_name)
            .order_by(count.desc(), by_text(jobs.c.template_name, self._dialect))
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [(name, int(n)) for name, n in conn.execute(stmt)]

    def users(self, since: datetime | None, task_types: Collection[str] | None, limit: int) -> UserFigures:
        email = jobs.c.user_email
        count = sa.func.count()
        failed = sa.func.sum(sa.case((jobs.c.status == FAILED, 1), else_=0))
        ranked = (
            sa.select(
                email.label("email"),
                count.label("n"),
                failed.label("failed"),
                sa.func.count().over().label("users"),
                sa.func.row_number()
                .over(order_by=[count.desc(), by_text(email, self._dialect)])
                .label("by_jobs"),
                sa.func.row_number()
                .over(order_by=[failed.desc(), by_text(email, self._dialect)])
                .label("by_failed"),
            )
            .where(*window(since, task_types))
            .group_by(email)
            .subquery("ranked")
        )
        # The first row always comes back, so the number of users does even with limit 0.
        keep = max(limit, 1)
        stmt = sa.select(ranked).where(
            sa.or_(ranked.c.by_jobs <= keep, sa.and_(ranked.c.by_failed <= keep, ranked.c.failed > 0))
        )
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        if not rows:
            return UserFigures()
        top = sorted((row.by_jobs, row.email, int(row.n)) for row in rows if row.by_jobs <= limit)
        worst = sorted(
            (row.by_failed, row.email, int(row.failed))
            for row in rows
            if row.by_failed <= limit and row.failed
        )
        return UserFigures(
            top=[(email, n) for _, email, n in top],
            top_failed=[(email, n) for _, email, n in worst],
            distinct=int(rows[0].users),
        )
