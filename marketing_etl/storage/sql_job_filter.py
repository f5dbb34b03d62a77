"""The jobs list's filter and sort as SQL, shared by list_jobs (sql.py) and the keyset pages
(sql_job_pages.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from marketing_etl.models import JOB_SEARCH_FIELDS, JobFilter, JobSort
from marketing_etl.storage.sql_schema import jobs


def job_conditions(flt: JobFilter) -> list[sa.ColumnElement[bool]]:
    where = [jobs.c[name] == value for name, value in flt.exact().items()]
    if flt.q:
        where.append(sa.or_(*(jobs.c[name].icontains(flt.q, autoescape=True) for name in JOB_SEARCH_FIELDS)))
    if flt.since is not None:
        where.append(jobs.c.created_at >= flt.since)
    return where


def order_by(sort: str) -> list[sa.UnaryExpression[Any]]:
    parsed = JobSort.parse(sort)
    column = jobs.c[parsed.field]
    order = column.desc() if parsed.descending else column.asc()
    if parsed.nullable:
        # Empty sorts as smallest, as on MongoDB. Only on nullable columns: an explicit NULLS
        # clause on the others would stop PostgreSQL from reading their index backwards.
        order = order.nulls_last() if parsed.descending else order.nulls_first()
    # job_id breaks ties so that pages never overlap or skip a job.
    return [order] if parsed.field == "job_id" else [order, jobs.c.job_id.asc()]
