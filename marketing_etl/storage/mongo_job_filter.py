"""The jobs list's filter and sort as MongoDB queries, shared by list_jobs (mongo.py) and the
keyset pages (mongo_job_pages.py)."""

from __future__ import annotations

import re

from pymongo import ASCENDING, DESCENDING

from marketing_etl.models import JOB_SEARCH_FIELDS, JobFilter, JobSort
from marketing_etl.storage.common import to_utc
from marketing_etl.storage.mongo_client import Doc


def job_query(flt: JobFilter) -> Doc:
    query: Doc = dict(flt.exact())
    if flt.q:
        pattern = {"$regex": re.escape(flt.q), "$options": "i"}
        query["$or"] = [{name: pattern} for name in JOB_SEARCH_FIELDS]
    if flt.since is not None:
        query["created_at"] = {"$gte": to_utc(flt.since)}
    return query


def sort_keys(sort: str) -> list[tuple[str, int]]:
    parsed = JobSort.parse(sort)
    keys = [(parsed.field, DESCENDING if parsed.descending else ASCENDING)]
    # job_id breaks ties so that pages never overlap or skip a job.
    return keys if parsed.field == "job_id" else [*keys, ("job_id", ASCENDING)]
