"""JobStats on SQLite / PostgreSQL: one query per figure, adding up two parts in the database.

Whole UTC days and all time come from the job rollups (sql_job_rollups.py: a range of a primary
key, one row per day and group); the rest of a window, from its start to the next midnight, from
the jobs themselves: by status and type through the covering ix_jobs_stats (sql_schema.py), the
others by creation time. The parts are joined with UNION ALL
and grouped again, so sums, rankings and ties are the database's, and a window costs at most a
day of jobs whatever the history. The plans are checked by tests/storage/test_job_stat_plans.py;
benchmarks/dashboard.py times the endpoints.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from marketing_etl.contracts.job_stats import StatusTypeFigures, UserFigures
from marketing_etl.contracts.metrics import DURATION_BUCKETS_S
from marketing_etl.contracts.rollups import ALL_TIME_S, DAY_S, bucket_start
from marketing_etl.models import FINISHED_STATUSES, JobStatus
from marketing_etl.storage.common import to_utc
from marketing_etl.storage.sql_job_rollups import (
    BUCKET_COLUMNS,
    job_status_rollups,
    job_template_rollups,
    job_user_rollups,
)
from marketing_etl.storage.sql_schema import jobs

_STATUS_SUMS = ("jobs", "rows_written", "timed", "duration_ms")


def duration_ms(dialect: str) -> sa.ColumnElement[int]:
    """finished_at - started_at in whole milliseconds (what the stores keep), computed by the
    database, as the rollup triggers compute it: SQLite subtracts julian days of its text times
    (a few microseconds off, which rounding absorbs), PostgreSQL timestamps."""
    if dialect == "sqlite":
        days = sa.func.julianday(jobs.c.finished_at) - sa.func.julianday(jobs.c.started_at)
        return sa.cast(sa.func.round(days * 86_400_000.0), sa.Integer)
    seconds = sa.func.date_part("epoch", jobs.c.finished_at - jobs.c.started_at)
    return sa.cast(sa.func.round(seconds * 1000), sa.BigInteger)


def by_text(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    """Text ordered by code point, as Python and MongoDB order it (PostgreSQL would otherwise
    follow the database's locale), so ties list the same way on every backend."""
    return column if dialect == "sqlite" else sa.collate(column, "C")


class _Window:
    """Jobs created since `since` (None: all time) of `task_types` (None: all), split into the
    jobs read one by one (from `since` to the next UTC midnight) and the rollup rows (whole days
    from then on, or the all-time rows)."""

    def __init__(self, since: datetime | None, task_types: Collection[str] | None) -> None:
        self.types = None if task_types is None else sorted(task_types)
        self.since = None if since is None else to_utc(since)
        self.first_day: datetime | None = None
        if self.since is not None:
            day = bucket_start(self.since, DAY_S)
            self.first_day = day if day == self.since else day + timedelta(days=1)

    @property
    def reads_jobs(self) -> bool:
        return self.since is not None and self.since != self.first_day

    def jobs_in(self) -> list[sa.ColumnElement[bool]]:
        """The jobs part. The task type is compared as an expression (task_type || ''), which no
        index answers, so the database finds the jobs by the created_at range, a day at most,
        not all of a platform's through ix_jobs_task_type_created."""
        where = [jobs.c.created_at >= self.since, jobs.c.created_at < self.first_day]
        if self.types is not None:
            where.append(jobs.c.task_type.concat("").in_(self.types))
        return where

    def every_group(self) -> list[sa.ColumnElement[bool]]:
        """The jobs part with status IN (every status) AND task_type IN (the platform's, or every
        one the rollups have seen): no job is left out, but the database reads ix_jobs_stats as
        one short range per (status, task type), in GROUP BY order, instead of scanning it or
        sorting the window."""
        r = job_status_rollups.c
        seen = sa.select(r.task_type).where(r.span_s == ALL_TIME_S).distinct()
        return [
            jobs.c.created_at >= self.since,
            jobs.c.created_at < self.first_day,
            jobs.c.status.in_([s.value for s in JobStatus]),
            jobs.c.task_type.in_(seen if self.types is None else self.types),
        ]

    def rollups_in(self, table: sa.Table) -> list[sa.ColumnElement[bool]]:
        if self.first_day is None:
            where = [table.c.span_s == ALL_TIME_S]
        else:
            where = [table.c.span_s == DAY_S, table.c.day_start >= self.first_day]
        if self.types is not None:
            where.append(table.c.task_type.in_(self.types))
        return where


def _union(parts: Sequence[sa.Select[Any]]) -> sa.Subquery:
    return (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery("parts")


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
        window = _Window(since, task_types)
        if window.types == []:
            return {}
        names = ["jobs"] if counts_only else [*_STATUS_SUMS, *(BUCKET_COLUMNS if histogram else [])]
        r = job_status_rollups.c
        parts = [
            sa.select(r.status, r.task_type, *(sa.func.sum(r[name]).label(name) for name in names))
            .where(*window.rollups_in(job_status_rollups))
            .group_by(r.status, r.task_type)
        ]
        if window.reads_jobs:
            parts.append(self._jobs_part(window, names))
        u = _union(parts).c
        stmt = (
            sa.select(u.status, u.task_type, *(sa.func.sum(u[name]) for name in names))
            .group_by(u.status, u.task_type)
            .having(sa.func.sum(u.jobs) > 0)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return {(row[0], row[1]): _figures(dict(zip(names, row[2:], strict=True))) for row in rows}

    def _jobs_part(self, window: _Window, names: list[str]) -> sa.Select[Any]:
        finished = jobs.c.status.in_([s.value for s in FINISHED_STATUSES])
        timed = sa.and_(finished, jobs.c.started_at.is_not(None), jobs.c.finished_at.is_not(None))
        ms = sa.case((timed, duration_ms(self._dialect)), else_=sa.null())
        values: dict[str, sa.ColumnElement[Any]] = {
            "jobs": sa.func.count(),
            "rows_written": sa.func.coalesce(sa.func.sum(jobs.c.rows_written), 0),
            "timed": sa.func.sum(sa.case((timed, 1), else_=0)),
            "duration_ms": sa.func.coalesce(sa.func.sum(ms), 0),
        }
        for name, bound_s in zip(BUCKET_COLUMNS, DURATION_BUCKETS_S, strict=True):
            values[name] = sa.func.sum(sa.case((ms <= round(bound_s * 1000), 1), else_=0))
        return (
            sa.select(jobs.c.status, jobs.c.task_type, *(values[name].label(name) for name in names))
            .where(*window.every_group())
            .group_by(jobs.c.status, jobs.c.task_type)
        )

    def top_templates(
        self, since: datetime | None, task_types: Collection[str] | None, limit: int
    ) -> list[tuple[str, int]]:
        window = _Window(since, task_types)
        if limit <= 0 or window.types == []:
            return []
        r = job_template_rollups.c
        parts = [
            sa.select(r.template_name, sa.func.sum(r.jobs).label("n"))
            .where(*window.rollups_in(job_template_rollups))
            .group_by(r.template_name)
        ]
        if window.reads_jobs:
            name = jobs.c.template_name
            parts.append(
                sa.select(name, sa.func.count().label("n"))
                .where(*window.jobs_in(), name.is_not(None), name != "")
                .group_by(name)
            )
        u = _union(parts).c
        count = sa.func.sum(u.n).label("total")
        stmt = (
            sa.select(u.template_name, count)
            .group_by(u.template_name)
            .having(count > 0)
            .order_by(count.desc(), by_text(u.template_name, self._dialect))
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [(name, int(n)) for name, n in conn.execute(stmt)]

    def users(self, since: datetime | None, task_types: Collection[str] | None, limit: int) -> UserFigures:
        window = _Window(since, task_types)
        if window.types == []:
            return UserFigures()
        r = job_user_rollups.c
        parts = [
            sa.select(r.user_email, sa.func.sum(r.jobs).label("n"), sa.func.sum(r.failed).label("failed"))
            .where(*window.rollups_in(job_user_rollups))
            .group_by(r.user_email)
        ]
        if window.reads_jobs:
            failed = sa.func.sum(sa.case((jobs.c.status == JobStatus.FAILED.value, 1), else_=0))
            parts.append(
                sa.select(jobs.c.user_email, sa.func.count().label("n"), failed.label("failed"))
                .where(*window.jobs_in())
                .group_by(jobs.c.user_email)
            )
        u = _union(parts).c
        per_user = (
            sa.select(
                u.user_email.label("email"),
                sa.func.sum(u.n).label("n"),
                sa.func.sum(u.failed).label("failed"),
            )
            .group_by(u.user_email)
            .having(sa.func.sum(u.n) > 0)
            .subquery("per_user")
        )
        return self._ranked(per_user, limit)

    def _ranked(self, per_user: sa.Subquery, limit: int) -> UserFigures:
        email, n, failed = per_user.c.email, per_user.c.n, per_user.c.failed
        ranked = sa.select(
            email,
            n,
            failed,
            sa.func.count().over().label("users"),
            sa.func.row_number().over(order_by=[n.desc(), by_text(email, self._dialect)]).label("by_jobs"),
            sa.func.row_number()
            .over(order_by=[failed.desc(), by_text(email, self._dialect)])
            .label("by_failed"),
        ).subquery("ranked")
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


def _figures(sums: dict[str, Any]) -> StatusTypeFigures:
    figures = StatusTypeFigures(jobs=int(sums["jobs"]))
    if "rows_written" in sums:
        figures.rows_written = int(sums["rows_written"])
        figures.timed = int(sums["timed"])
        figures.duration_sum_s = int(sums["duration_ms"]) / 1000
    if BUCKET_COLUMNS[0] in sums:
        figures.duration_buckets = [int(sums[name]) for name in BUCKET_COLUMNS]
    return figures
