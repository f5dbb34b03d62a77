"""MetricsQueries on MongoDB. (The job counts and durations /metrics shows come from the
dashboard's aggregates, mongo_job_stats.py.)"""

from __future__ import annotations

from pymongo.collection import Collection

from marketing_etl.contracts.metrics import QueueSummary
from marketing_etl.models import JobStatus
from marketing_etl.storage.mongo_client import Doc
from marketing_etl.storage.mongo_queue import QUEUED_SINCE


class MongoMetrics:
    def __init__(self, jobs: Collection[Doc]) -> None:
        self._jobs = jobs

    def queue_summary(self) -> QueueSummary:
        pipeline: list[Doc] = [
            {"$match": {"status": JobStatus.QUEUED.value}},
            {"$group": {"_id": None, "depth": {"$sum": 1}, "oldest": {"$min": QUEUED_SINCE}}},
        ]
        for doc in self._jobs.aggregate(pipeline):
            return QueueSummary(depth=int(doc["depth"]), oldest_queued_at=doc["oldest"])
        return QueueSummary()
