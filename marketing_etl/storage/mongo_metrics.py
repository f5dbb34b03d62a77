"""MetricsQueries on MongoDB: one aggregation pipeline per figure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.collection import Collection

from marketing_etl.models import JobStatus
from marketing_etl.storage.common import to_utc
from marketing_etl.storage.metrics_base import (
    DURATION_BUCKETS_S,
    ERROR,
    OK,
    WAIT_USAGE_KEYS,
    CallTotals,
    Durations,
    QueueSummary,
)
from marketing_etl.storage.mongo_client import Doc
from marketing_etl.storage.mongo_queue import QUEUED_SINCE

_FINISHED = [JobStatus.SUCCESS.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value]


class MongoMetrics:
    def __init__(self, jobs: Collection[Doc], calls: Collection[Doc]) -> None:
        self._jobs = jobs
        self._calls = calls

    def jobs_by_status_and_type(self) -> dict[tuple[str, str], int]:
        pipeline: list[Doc] = [
            {"$group": {"_id": {"status": "$status", "task_type": "$task_type"}, "n": {"$sum": 1}}}
        ]
        return {(d["_id"]["status"], d["_id"]["task_type"]): d["n"] for d in self._jobs.aggregate(pipeline)}

    def queue_summary(self) -> QueueSummary:
        pipeline: list[Doc] = [
            {"$match": {"status": JobStatus.QUEUED.value}},
            {"$group": {"_id": None, "depth": {"$sum": 1}, "oldest": {"$min": QUEUED_SINCE}}},
        ]
        for doc in self._jobs.aggregate(pipeline):
            return QueueSummary(depth=int(doc["depth"]), oldest_queued_at=doc["oldest"])
        return QueueSummary()

    def finished_durations(self) -> dict[str, Durations]:
        seconds = {"$divide": [{"$subtract": ["$finished_at", "$started_at"]}, 1000.0]}
        group: Doc = {"_id": "$task_type", "count": {"$sum": 1}, "sum": {"$sum": "$d"}}
        for i, bound in enumerate(DURATION_BUCKETS_S):
            group[f"b{i}"] = {"$sum": {"$cond": [{"$lte": ["$d", bound]}, 1, 0]}}
        pipeline: list[Doc] = [
            {
                "$match": {
                    "status": {"$in": _FINISHED},
                    "started_at": {"$ne": None},
                    "finished_at": {"$ne": None},
                }
            },
            {"$project": {"task_type": True, "d": seconds}},
            {"$group": group},
        ]
        return {
            doc["_id"]: Durations(
                buckets=[int(doc[f"b{i}"]) for i in range(len(DURATION_BUCKETS_S))],
                count=int(doc["count"]),
                sum_s=float(doc["sum"]),
            )
            for doc in self._jobs.aggregate(pipeline)
        }

    def api_call_totals(
        self, since: datetime | None, until: datetime | None
    ) -> dict[tuple[str, str], CallTotals]:
        ts: dict[str, Any] = {}
        if since is not None:
            ts["$gte"] = to_utc(since)
        if until is not None:
            ts["$lt"] = to_utc(until)
        answered = {"$ne": ["$http_status", None]}
        ok = {"$and": [{"$eq": ["$error", None]}, answered, {"$lt": ["$http_status", 400]}]}
        waited = {"$add": [{"$ifNull": [f"$usage.{key}", 0]} for key in WAIT_USAGE_KEYS]}
        pipeline: list[Doc] = [
            {"$match": {"ts": ts} if ts else {}},
            {"$project": {"platform": True, "outcome": {"$cond": [ok, OK, ERROR]}, "wait": waited}},
            {
                "$group": {
                    "_id": {"platform": "$platform", "outcome": "$outcome"},
                    "n": {"$sum": 1},
                    "wait": {"$sum": "$wait"},
                }
            },
        ]
        return {
            (d["_id"]["platform"], d["_id"]["outcome"]): CallTotals(int(d["n"]), float(d["wait"]))
            for d in self._calls.aggregate(pipeline)
        }
