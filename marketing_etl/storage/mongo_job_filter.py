"""The jobs list's filter and sort as MongoDB queries, shared by list_jobs (mongo.py) and the
keyset pages (mongo_job_pages.py)."""

from __future__ import annotations

import re

from pymongo import ASCENDING, DESCENDING

from marketing_etl.models import JobFilter
from marketing_etl.storage.common import parse_sort, plain, to_utc
from marketing_etl.storage.mongo_client import Doc


def job_query(flt: JobFilter) -> Doc:
    exact = {
        "status": flt.status,
        "task_type": flt.task_type,
        "template_name": flt.template_name,
        "user_email": flt.user_email,
    }
    query: Doc = {name: plain(value) for name, value in exact.items() if value is not None}
    if flt.q:
        pattern = {"$regex": re.escape(flt.q), "$options": "i"}
        query["$or"] = [{name: pattern} for name in ("job_id", "user_email", "sheet_name")]
    if flt.since is not None:
        query["created_at"] = {"$gte": to_utc(flt.since)}
    return query


def sort_keys(sort: str) -> list[tuple[str, int]]:
    field, descending = parse_sort(sort)
    keys = [(field, DESCENDING if descending else ASCENDING)]
    # job_id breaks ties so that pages never overlap or skip a job.
    return keys if field == "job_id" else [*keys, ("job_id", ASCENDING)]
