"""JobPages on MongoDB: each slice of a keyset page is one find() with a sort the compound
indexes of mongo.py answer, limited to the rows the page needs."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection

from marketing_etl.models import Job, JobFilter
from marketing_etl.storage.common import job_from_record, plain
from marketing_etl.storage.keyset import KeysetPages, Segment
from marketing_etl.storage.mongo_client import Doc
from marketing_etl.storage.mongo_job_filter import job_query, sort_keys

_NO_ID = {"_id": False}


def segment_query(segment: Segment) -> Doc:
    ordering = segment.ordering
    name = ordering.field
    query: Doc = {}
    if segment.op == "eq":
        query[name] = plain(segment.value)
    elif segment.op == "beyond":
        query[name] = {"$lt" if ordering.descending else "$gt": plain(segment.value)}
    elif segment.op == "null":
        query[name] = None  # null or missing
    elif segment.op == "not_null":
        query[name] = {"$ne": None}
    if segment.after_id is not None:
        # Sorting by job_id itself, the slice is "any": the bound is its only condition.
        query["job_id"] = {"$lt" if ordering.ids_desc else "$gt": segment.after_id}
    return query


def segment_sort(segment: Segment) -> list[tuple[str, int]]:
    ordering = segment.ordering
    ids = ("job_id", DESCENDING if ordering.ids_desc else ASCENDING)
    if segment.by_id_only:
        return [ids]
    return [(ordering.field, DESCENDING if ordering.descending else ASCENDING), ids]


class MongoJobPages(KeysetPages):
    def __init__(self, jobs: Collection[Doc]) -> None:
        self._jobs = jobs

    def _read(self, flt: JobFilter, segment: Segment, limit: int) -> list[Job]:
        if limit <= 0:  # MongoDB reads limit 0 as "no limit"
            return []
        query = {"$and": [job_query(flt), segment_query(segment)]}
        cursor = self._jobs.find(query, _NO_ID).sort(segment_sort(segment)).limit(limit)
        return [job_from_record(doc) for doc in cursor]

    def _skip(self, flt: JobFilter, sort: str, offset: int, limit: int) -> list[Job]:
        if limit <= 0:
            return []
        cursor = self._jobs.find(job_query(flt), _NO_ID).sort(sort_keys(sort)).skip(offset).limit(limit)
        return [job_from_record(doc) for doc in cursor]

    def count(self, flt: JobFilter, cap: int) -> int:
        if cap <= 0:
            return 0
        return self._jobs.count_documents(job_query(flt), limit=cap)
