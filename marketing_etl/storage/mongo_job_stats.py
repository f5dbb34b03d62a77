"""JobStats on MongoDB: one aggregation pipeline per figure, matched through the created_at
index (mongo.py)."""

from __future__ import annotations

from collections.abc import Collection as Many
from datetime import datetime
from typing import Any

from pymongo.collection import Collection

from marketing_etl.contracts.job_stats import StatusTypeFigures, UserFigures
from marketing_etl.contracts.metrics import DURATION_BUCKETS_S
from marketing_etl.models import FINISHED_STATUSES, JobStatus
from marketing_etl.storage.common import to_utc
from marketing_etl.storage.mongo_client import Doc


def window(since: datetime | None, task_types: Many[str] | None) -> Doc:
    match: Doc = {}
    if since is not None:
        match["created_at"] = {"$gte": to_utc(since)}
    if task_types is not None:
        match["task_type"] = {"$in": sorted(task_types)}
    return match


def _present(name: str) -> Doc:
    # A missing field and null both count as empty ("$x" != null alone is true for a missing one).
    return {"$ne": [{"$ifNull": [f"${name}", None]}, None]}


class MongoJobStats:
    def __init__(self, jobs: Collection[Doc]) -> None:
        self._jobs = jobs

    def by_status_and_type(
        self,
        since: datetime | None = None,
        task_types: Many[str] | None = None,
        *,
        histogram: bool = False,
        counts_only: bool = False,
    ) -> dict[tuple[str, str], StatusTypeFigures]:
        if counts_only:
            pipeline: list[Doc] = [
                {"$match": window(since, task_types)},
                {"$group": {"_id": {"status": "$status", "task_type": "$task_type"}, "n": {"$sum": 1}}},
            ]
            return {
                (doc["_id"]["status"], doc["_id"]["task_type"]): StatusTypeFigures(jobs=int(doc["n"]))
                for doc in self._jobs.aggregate(pipeline)
            }
        timed = {
            "$and": [
                {"$in": ["$status", list(FINISHED_STATUSES)]},
                _present("started_at"),
                _present("finished_at"),
            ]
        }
        seconds = {"$divide": [{"$subtract": ["$finished_at", "$started_at"]}, 1000.0]}
        is_timed = {"$eq": ["$timed", True]}
        group: Doc = {
            "_id": {"status": "$status", "task_type": "$task_type"},
            "jobs": {"$sum": 1},
            "rows": {"$sum": {"$ifNull": ["$rows_written", 0]}},
            "timed": {"$sum": {"$cond": [is_timed, 1, 0]}},
            "sum": {"$sum": {"$cond": [is_timed, "$d", 0]}},
        }
        bounds = DURATION_BUCKETS_S if histogram else ()
        for i, bound in enumerate(bounds):
            group[f"b{i}"] = {"$sum": {"$cond": [{"$and": [is_timed, {"$lte": ["$d", bound]}]}, 1, 0]}}
        pipeline = [
            {"$match": window(since, task_types)},
            {
                "$project": {
                    "status": True,
                    "task_type": True,
                    "rows_written": True,
                    "timed": timed,
                    "d": {"$cond": [timed, seconds, None]},
                }
            },
            {"$group": group},
        ]
        return {
            (doc["_id"]["status"], doc["_id"]["task_type"]): StatusTypeFigures(
                jobs=int(doc["jobs"]),
                rows_written=int(doc["rows"]),
                timed=int(doc["timed"]),
                duration_sum_s=float(doc["sum"]),
                duration_buckets=[int(doc.get(f"b{i}", 0)) for i in range(len(DURATION_BUCKETS_S))],
            )
            for doc in self._jobs.aggregate(pipeline)
        }

    def top_templates(
        self, since: datetime | None, task_types: Many[str] | None, limit: int
    ) -> list[tuple[str, int]]:
        if limit <= 0:
            return []
        match = {**window(since, task_types), "template_name": {"$nin": [None, ""]}}
        pipeline: list[Doc] = [
            {"$match": match},
            {"$group": {"_id": "$template_name", "n": {"$sum": 1}}},
            {"$sort": {"n": -1, "_id": 1}},
            {"$limit": limit},
        ]
        return [(doc["_id"], int(doc["n"])) for doc in self._jobs.aggregate(pipeline)]

    def users(self, since: datetime | None, task_types: Many[str] | None, limit: int) -> UserFigures:
        keep = {"$limit": max(limit, 1)}  # $limit 0 is refused
        top: list[Doc] = [{"$sort": {"n": -1, "_id": 1}}, keep]
        worst: list[Doc] = [{"$match": {"failed": {"$gt": 0}}}, {"$sort": {"failed": -1, "_id": 1}}, keep]
        pipeline: list[Doc] = [
            {"$match": window(since, task_types)},
            {
                "$group": {
                    "_id": "$user_email",
                    "n": {"$sum": 1},
                    "failed": {"$sum": {"$cond": [{"$eq": ["$status", JobStatus.FAILED]}, 1, 0]}},
                }
            },
            {"$facet": {"top": top, "worst": worst, "distinct": [{"$count": "n"}]}},
        ]
        result: dict[str, Any] = next(iter(self._jobs.aggregate(pipeline)), {})
        distinct = result.get("distinct") or [{"n": 0}]
        return UserFigures(
            top=[(doc["_id"], int(doc["n"])) for doc in result.get("top", [])][: max(limit, 0)],
            top_failed=[(doc["_id"], int(doc["failed"])) for doc in result.get("worst", [])][: max(limit, 0)],
            distinct=int(distinct[0]["n"]),
        )
