"""The jobs list's filter and sort as SQL, shared by list_jobs (sql.py) and the keyset pages
(sql_job_pages.py)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from marketing_etl.models import JobFilter
from marketing_etl.storage.common import NULLABLE_SORT_FIELDS, parse_sort, plain
from marketing_etl.storage.sql_schema import jobs


def job_conditions(flt: JobFilter) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    exact = {
        "status": flt.status,
        "task_type": flt.task_type,
        "template_name": flt.template_name,
        "user_email": flt.user_email,
    }
    where += [jobs.c[name] == plain(value) for name, value in exact.items() if value is not None]
    if flt.q:
        where.append(
            sa.or_(
                *(
                    jobs.c[name].icontains(flt.q, autoescape=True)
                    for name in ("job_id", "user_email", "sheet_name")
                )
            )
        )
    if flt.since is not None:
        where.append(jobs.c.created_at >= flt.since)
    return where


def order_by(sort: str) -> list[sa.UnaryExpression[Any]]:
    field, descending = parse_sort(sort)
    column = jobs.c[field]
    order = column.desc() if descending else column.asc()
    if field in NULLABLE_SORT_FIELDS:
        # Empty sorts as smallest, as on MongoDB. Only on nullable columns: an explicit NULLS
        # clause on the others would stop PostgreSQL from reading their index backwards.
        order = order.nulls_last() if descending else order.nulls_first()
    # job_id breaks ties so that pages never overlap or skip a job.
    return [order] if field == "job_id" else [order, jobs.c.job_id.asc()]
