"""QueueQueries on MongoDB."""

from __future__ import annotations

from datetime import datetime

from pymongo.collection import Collection

from marketing_etl.models import Job, JobStatus
from marketing_etl.storage.common import job_from_record, to_utc
from marketing_etl.storage.mongo_client import Doc

# Documents stored before queued_at existed count as queued since their creation.
QUEUED_SINCE: Doc = {"$ifNull": ["$queued_at", "$created_at"]}


class MongoQueue:
    def __init__(self, jobs: Collection[Doc]) -> None:
        self._jobs = jobs

    def due_for_resend(self, queued_before: datetime, now: datetime, limit: int) -> list[Job]:
        if limit <= 0:  # $limit must be positive
            return []
        pipeline: list[Doc] = [
            {
                "$match": {
                    "status": JobStatus.QUEUED.value,
                    # None matches a missing field too.
                    "$or": [{"next_resend_at": None}, {"next_resend_at": {"$lte": to_utc(now)}}],
                }
            },
            {"$addFields": {"queued_since": QUEUED_SINCE}},
            {"$match": {"queued_since": {"$lt": to_utc(queued_before)}}},
            {"$sort": {"queued_since": 1, "job_id": 1}},
            {"$limit": limit},
        ]
        return [job_from_record(doc) for doc in self._jobs.aggregate(pipeline)]

    def defer_resend(self, job_id: str, seen: datetime | None, until: datetime) -> bool:
        result = self._jobs.update_one(
            {
                "job_id": job_id,
                "status": JobStatus.QUEUED.value,
                "next_resend_at": None if seen is None else to_utc(seen),
            },
            {"$set": {"next_resend_at": to_utc(until)}},
        )
        return result.matched_count == 1
