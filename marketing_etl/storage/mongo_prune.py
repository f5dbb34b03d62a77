"""Pruning (contracts/pruning.py) on MongoDB.

Each batch reads up to `limit` _ids through an index (ts for records past their age, job_id for
an expired job's own) and deletes exactly those with one delete_many. There is no join, so the
active jobs' ids are read first and excluded; they are few (the queue and what runs).
Without multi-document transactions the totals are bumped right after each delete: a crash in
between loses one batch's count, never a row's protection.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo.collection import Collection

from marketing_etl.contracts.pruning import Deleted, PruneKind
from marketing_etl.models import ACTIVE_STATUSES, FINISHED_STATUSES
from marketing_etl.storage.common import to_utc
from marketing_etl.storage.mongo_client import Doc

_TOTAL_PREFIX = "pruned_rows."


class MongoPruning:
    def __init__(
        self,
        jobs: Collection[Doc],
        logs: Collection[Doc],
        calls: Collection[Doc],
        tokens: Collection[Doc],
        totals: Collection[Doc],
    ) -> None:
        self._jobs = jobs
        self._logs = logs
        self._calls = calls
        self._tokens = tokens
        self._totals = totals

    def init(self) -> None:
        # api_calls has its ts index already (MongoStore.init); log lines need one for pruning.
        self._logs.create_index("ts")

    @property
    def single_writer(self) -> bool:
        return False

    def delete_api_calls_before(self, before: datetime, limit: int) -> int:
        return self._delete_batch(self._calls, PruneKind.API_CALLS, {"ts": {"$lt": to_utc(before)}}, limit)

    def delete_logs_before(self, before: datetime, limit: int) -> int:
        return self._delete_batch(self._logs, PruneKind.LOGS, {"ts": {"$lt": to_utc(before)}}, limit)

    def expired_job_ids(self, created_before: datetime, limit: int) -> list[str]:
        if limit <= 0:  # MongoDB reads limit 0 as "no limit"
            return []
        cursor = self._jobs.find(_expired(created_before), {"job_id": True, "_id": False}).limit(limit)
        return [doc["job_id"] for doc in cursor]

    def delete_api_calls_of(self, job_ids: Sequence[str], limit: int) -> int:
        return self._delete_batch(self._calls, PruneKind.API_CALLS, {"job_id": {"$in": list(job_ids)}}, limit)

    def delete_logs_of(self, job_ids: Sequence[str], limit: int) -> int:
        return self._delete_batch(self._logs, PruneKind.LOGS, {"job_id": {"$in": list(job_ids)}}, limit)

    def delete_jobs(self, job_ids: Sequence[str], created_before: datetime) -> Deleted:
        deleted = Deleted()
        expired = {"job_id": {"$in": list(job_ids)}, **_expired(created_before)}
        chosen = [doc["job_id"] for doc in self._jobs.find(expired, {"job_id": True, "_id": False})]
        if not chosen:
            return deleted
        of_chosen = {"job_id": {"$in": chosen}}
        deleted.add(PruneKind.API_CALLS, self._calls.delete_many(of_chosen).deleted_count)
        deleted.add(PruneKind.LOGS, self._logs.delete_many(of_chosen).deleted_count)
        self._tokens.delete_many(of_chosen)
        # Their totals checks (mongo_totals.py) live in the same database.
        self._jobs.database.get_collection("totals_checks").delete_many(of_chosen)
        # The job documents go last and only while still expired: a retry in between keeps its job.
        deleted.add(PruneKind.JOBS, self._jobs.delete_many({**expired, **of_chosen}).deleted_count)
        for kind, count in deleted.rows.items():
            self._add_total(kind, count)
        return deleted

    def pruned_totals(self) -> dict[PruneKind, int]:
        stored = {doc["_id"]: int(doc["total"]) for doc in self._totals.find({})}
        return {kind: stored.get(_TOTAL_PREFIX + kind.value, 0) for kind in PruneKind}

    def _delete_batch(self, collection: Collection[Doc], kind: PruneKind, query: Doc, limit: int) -> int:
        if limit <= 0:
            return 0
        query = {**query, "job_id": {**query.get("job_id", {}), "$nin": self._active_job_ids()}}
        ids = [doc["_id"] for doc in collection.find(query, {"_id": True}).limit(limit)]
        if not ids:
            return 0
        count: int = collection.delete_many({"_id": {"$in": ids}}).deleted_count
        self._add_total(kind, count)
        return count

    def _active_job_ids(self) -> list[Any]:
        return list(self._jobs.distinct("job_id", {"status": {"$in": list(ACTIVE_STATUSES)}}))

    def _add_total(self, kind: PruneKind, count: int) -> None:
        if count:
            name = _TOTAL_PREFIX + kind.value
            self._totals.update_one({"_id": name}, {"$inc": {"total": count}}, upsert=True)


def _expired(created_before: datetime) -> Doc:
    return {"status": {"$in": list(FINISHED_STATUSES)}, "created_at": {"$lt": to_utc(created_before)}}
