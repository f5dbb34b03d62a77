"""JobPages on SQLite / PostgreSQL: each slice of a keyset page is one query whose WHERE and
ORDER BY an index answers in order (ix_jobs_created for the default sort; the (field, job_id)
indexes of sql_schema.py for the others), stopping after the rows the page needs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from marketing_etl.models import Job, JobFilter
from marketing_etl.storage.common import job_from_record
from marketing_etl.storage.keyset import KeysetPages, Segment
from marketing_etl.storage.sql_job_filter import job_conditions, order_by
from marketing_etl.storage.sql_schema import jobs


def segment_conditions(segment: Segment) -> list[sa.ColumnElement[bool]]:
    ordering = segment.ordering
    column = jobs.c[ordering.field]
    where: list[sa.ColumnElement[bool]] = []
    if segment.op == "eq":
        where.append(column == segment.value)
    elif segment.op == "beyond":
        where.append(column < segment.value if ordering.descending else column > segment.value)
    elif segment.op == "null":
        where.append(column.is_(None))
    elif segment.op == "not_null":
        where.append(column.is_not(None))
    if segment.after_id is not None:
        ids = jobs.c.job_id
        where.append(ids < segment.after_id if ordering.ids_desc else ids > segment.after_id)
    return where


def segment_order(segment: Segment) -> list[sa.UnaryExpression[Any]]:
    ordering = segment.ordering
    ids = jobs.c.job_id.desc() if ordering.ids_desc else jobs.c.job_id.asc()
    if segment.by_id_only:
        return [ids]
    # The slice holds no empty values, so no NULLS clause: a plain index reads in this order.
    column = jobs.c[ordering.field]
    return [column.desc() if ordering.descending else column.asc(), ids]


def capped_count(where: list[sa.ColumnElement[bool]], cap: int) -> sa.Select[Any]:
    """Counts at most `cap` matching rows: the database stops reading after them."""
    matching = sa.select(sa.literal(1).label("one")).select_from(jobs).where(*where).limit(cap).subquery()
    return sa.select(sa.func.count()).select_from(matching)


class SqlJobPages(KeysetPages):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _read(self, flt: JobFilter, segment: Segment, limit: int) -> list[Job]:
        stmt = (
            sa.select(jobs)
            .where(*job_conditions(flt), *segment_conditions(segment))
            .order_by(*segment_order(segment))
            .limit(limit)
        )
        return self._jobs(stmt)

    def _skip(self, flt: JobFilter, sort: str, offset: int, limit: int) -> list[Job]:
        stmt = (
            sa.select(jobs).where(*job_conditions(flt)).order_by(*order_by(sort)).offset(offset).limit(limit)
        )
        return self._jobs(stmt)

    def count(self, flt: JobFilter, cap: int) -> int:
        if cap <= 0:
            return 0
        with self._engine.connect() as conn:
            counted: int = conn.execute(capped_count(job_conditions(flt), cap)).scalar_one()
        return counted

    def _jobs(self, stmt: sa.Select[Any]) -> list[Job]:
        with self._engine.connect() as conn:
            return [job_from_record(row) for row in conn.execute(stmt).mappings()]
