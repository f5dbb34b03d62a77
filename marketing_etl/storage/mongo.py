"""The Store on MongoDB (the original system's database), through pymongo.

Imported only when a MongoDB URL is chosen. Races are settled by single-document atomic
operations: claim is one find_one_and_update, transitions are one conditional update_one, and
log seqs come from an $inc on the job's own document.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, MongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError

from marketing_etl.models import ApiCall, Job, JobFilter, JobStatus, LogLine
from marketing_etl.storage.common import (
    check_group_field,
    check_page,
    first_log_lines,
    job_from_record,
    job_record,
    mutable_fields,
    plain,
    to_utc,
)
from marketing_etl.storage.mongo_ciphertexts import MongoCiphertexts
from marketing_etl.storage.mongo_client import Doc
from marketing_etl.storage.mongo_connections import MongoConnectionStore
from marketing_etl.storage.mongo_fx_rates import MongoRateCache
from marketing_etl.storage.mongo_job_filter import job_query as _job_query
from marketing_etl.storage.mongo_job_filter import sort_keys as _sort_keys
from marketing_etl.storage.mongo_job_pages import MongoJobPages
from marketing_etl.storage.mongo_job_stats import MongoJobStats
from marketing_etl.storage.mongo_locks import MongoLocks
from marketing_etl.storage.mongo_metrics import MongoMetrics
from marketing_etl.storage.mongo_notifications import MongoNotificationStore
from marketing_etl.storage.mongo_prune import MongoPruning
from marketing_etl.storage.mongo_queue import MongoQueue
from marketing_etl.storage.mongo_rollups import ROLLED_UP, MongoRollups
from marketing_etl.storage.mongo_schedules import MongoScheduleStore
from marketing_etl.storage.mongo_schema import record_version, stored_version
from marketing_etl.storage.mongo_totals import MongoTotalsCheckStore

_NO_ID = {"_id": False}
# Mirrors the SQL indexes: each dashboard filter leads a compound index with created_at.
_JOB_INDEXES = (
    [("status", ASCENDING), ("created_at", ASCENDING)],
    [("task_type", ASCENDING), ("created_at", ASCENDING)],
    [("user_email", ASCENDING), ("created_at", ASCENDING)],
    [("template_name", ASCENDING), ("created_at", ASCENDING)],
    [("sheet_name", ASCENDING)],
    [("created_at", ASCENDING)],
    [("lease_expires_at", ASCENDING)],
    # Keyset pages of the jobs list sorted by another field (mongo_job_pages.py).
    *(
        [(name, ASCENDING), ("job_id", ASCENDING)]
        for name in ("status", "task_type", "user_email", "started_at", "finished_at")
    ),
)


class MongoStore:
    def __init__(self, client: MongoClient[Doc], *, database: str = "marketing_etl") -> None:
        """`client`: a pymongo client (or one that behaves like it) with tz_aware=True; the store
        closes it with itself."""
        self._client = client
        collection = client[database].get_collection
        self._jobs = collection("jobs")
        self._logs = collection("job_logs")
        self._calls = collection("api_calls")
        self._tokens = collection("job_tokens")
        self._meta = collection("meta")
        self.schedules = MongoScheduleStore(collection("schedules"))
        self.connections = MongoConnectionStore(collection("connections"))
        self.totals_checks = MongoTotalsCheckStore(collection("totals_checks"))
        self.ciphertexts = MongoCiphertexts(self._tokens, collection("schedules"), collection("connections"))
        self.notifications = MongoNotificationStore(collection("notifications"))
        self.metrics = MongoMetrics(self._jobs)
        self.job_stats = MongoJobStats(self._jobs)
        self.job_pages = MongoJobPages(self._jobs)
        self.fx_rates = MongoRateCache(collection("fx_rates"))
        self.locks = MongoLocks(collection("locks"))
        self.queue = MongoQueue(self._jobs)
        self.rollups = MongoRollups(collection("api_call_rollups"), self._calls, collection("rollup_state"))
        self.pruning = MongoPruning(
            self._jobs, self._logs, self._calls, self._tokens, collection("maintenance_totals")
        )

    # lifecycle -----------------------------------------------------------------------------
    def init(self) -> None:
        self._jobs.create_index("job_id", unique=True)
        for keys in _JOB_INDEXES:
            self._jobs.create_index(keys)
        self._logs.create_index([("job_id", ASCENDING), ("seq", ASCENDING)], unique=True)
        self._calls.create_index("ts")
        self._calls.create_index([("job_id", ASCENDING), ("ts", ASCENDING)])
        self._tokens.create_index("job_id", unique=True)
        self._tokens.create_index("expires_at")
        self.schedules.init()
        self.connections.init()
        self.totals_checks.init()
        self.notifications.init()
        self.fx_rates.init()
        self.locks.init()
        self.rollups.init()
        self.pruning.init()
        record_version(self._meta)

    def schema_version(self) -> int | None:
        return stored_version(self._meta)

    def close(self) -> None:
        self._client.close()

    def ping(self) -> None:
        self._client.admin.command("ping")

    # jobs ----------------------------------------------------------------------------------
    def insert_job(self, job: Job, token: bytes | None = None, logs: Sequence[LogLine] = ()) -> bool:
        # Without a replica set there are no multi-document transactions; the order of the writes
        # is what keeps this safe. The job document is the commit point: its unique insert settles
        # a race on the job_id, and the log lines follow only once it won, under the seqs its
        # log_seq reserved. The token must be there before the job can be claimed, so it goes
        # first, but without replacing one already stored (a racing request's); the winner then
        # writes its own. What a crash between the writes can leave: a token without a job (the
        # same job_id sent again replaces it) or a job without its first lines (it still runs).
        lines = first_log_lines(job, logs)
        if self._jobs.find_one({"job_id": job.job_id}, _NO_ID) is not None:
            return False
        if token is not None:
            self._tokens.update_one(
                {"job_id": job.job_id},
                {"$setOnInsert": {"ciphertext": token, "expires_at": None}},
                upsert=True,
            )
        try:
            self._jobs.insert_one({**job_record(job), "log_seq": len(lines)})
        except DuplicateKeyError:
            return False
        if token is not None:
            self.put_token(job.job_id, token, None)
        if lines:
            self._logs.insert_many([{**line.model_dump(), "ts": to_utc(line.ts)} for line in lines])
        return True

    def get_job(self, job_id: str) -> Job | None:
        doc = self._jobs.find_one({"job_id": job_id}, _NO_ID)
        return None if doc is None else job_from_record(doc)

    def update_job(self, job_id: str, **fields: Any) -> None:
        values = mutable_fields(fields)
        if values:
            self._jobs.update_one({"job_id": job_id}, {"$set": values})

    def transition(
        self, job_id: str, expected: Iterable[JobStatus], *, owner: str | None = None, **fields: Any
    ) -> bool:
        values = mutable_fields(fields)
        if not values:
            raise ValueError("transition needs at least one field to set")
        query: dict[str, Any] = {"job_id": job_id, "status": {"$in": [plain(s) for s in expected]}}
        if owner is not None:
            query["lease_owner"] = owner
        result = self._jobs.update_one(query, {"$set": values})
        return result.matched_count == 1

    def claim(self, job_id: str, owner: str, lease_until: datetime, now: datetime) -> Job | None:
        doc = self._jobs.find_one_and_update(
            {"job_id": job_id, "status": JobStatus.QUEUED.value},
            {
                "$set": {
                    "status": JobStatus.RUNNING.value,
                    "lease_owner": owner,
                    "lease_expires_at": to_utc(lease_until),
                    "started_at": to_utc(now),
                }
            },
            # No projection without _id: mongomock finds the updated document again by _id.
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else job_from_record(doc)

    def renew_lease(self, job_id: str, owner: str, lease_until: datetime) -> bool:
        result = self._jobs.update_one(
            {"job_id": job_id, "lease_owner": owner, "status": JobStatus.RUNNING.value},
            {"$set": {"lease_expires_at": to_utc(lease_until)}},
        )
        return result.matched_count == 1

    def queued_job_ids(self, limit: int) -> list[str]:
        if limit <= 0:  # MongoDB reads limit 0 as "no limit"
            return []
        cursor = (
            self._jobs.find({"status": JobStatus.QUEUED.value}, {"job_id": True, "_id": False})
            .sort([("created_at", ASCENDING), ("job_id", ASCENDING)])
            .limit(limit)
        )
        return [doc["job_id"] for doc in cursor]

    def expired_leases(self, now: datetime) -> list[Job]:
        cursor = self._jobs.find(
            {"status": JobStatus.RUNNING.value, "lease_expires_at": {"$lt": to_utc(now)}}, _NO_ID
        ).sort([("lease_expires_at", ASCENDING), ("job_id", ASCENDING)])
        return [job_from_record(doc) for doc in cursor]

    def list_jobs(
        self, flt: JobFilter, offset: int, limit: int, sort: str = "-created_at"
    ) -> tuple[list[Job], int]:
        check_page(offset, limit)
        query = _job_query(flt)
        total = self._jobs.count_documents(query)
        if limit == 0:
            return [], total
        # Null sorts as the smallest value, which the SQL store reproduces.
        cursor = self._jobs.find(query, _NO_ID).sort(_sort_keys(sort)).skip(offset).limit(limit)
        return [job_from_record(doc) for doc in cursor], total

    def count_jobs_by(self, flt: JobFilter, field: str) -> dict[str, int]:
        check_group_field(field)
        pipeline: list[Doc] = [
            {"$match": _job_query(flt)},
            {"$group": {"_id": f"${field}", "count": {"$sum": 1}}},
        ]
        return {doc["_id"]: doc["count"] for doc in self._jobs.aggregate(pipeline)}

    # logs ----------------------------------------------------------------------------------
    def append_logs(self, lines: Sequence[LogLine]) -> None:
        """Each job document counts the seqs it handed out; one $inc reserves a batch's range,
        so concurrent appenders never share a seq. Without a multi-document transaction the
        insert that follows is not atomic with it, so a concurrent appender's later lines may
        become visible first; JobContext serialises one job's writes within a process."""
        by_job: dict[str, list[LogLine]] = {}
        for line in lines:
            by_job.setdefault(line.job_id, []).append(line)
        for job_id, batch in by_job.items():
            counter = self._jobs.find_one_and_update(
                {"job_id": job_id},
                {"$inc": {"log_seq": len(batch)}},
                projection={"log_seq": True},
                return_document=ReturnDocument.AFTER,
            )
            if counter is None:
                raise KeyError(f"cannot log for job '{job_id}': no such job")
            first = counter["log_seq"] - len(batch) + 1
            self._logs.insert_many(
                [
                    {**line.model_dump(), "ts": to_utc(line.ts), "seq": first + i}
                    for i, line in enumerate(batch)
                ]
            )

    def get_logs(self, job_id: str, after_seq: int = 0, limit: int | None = None) -> list[LogLine]:
        if limit == 0:
            return []
        cursor = self._logs.find({"job_id": job_id, "seq": {"$gt": after_seq}}, _NO_ID).sort("seq")
        if limit is not None:
            cursor = cursor.limit(limit)
        return [LogLine.model_validate(doc) for doc in cursor]

    # API calls -----------------------------------------------------------------------------
    def record_api_calls(self, calls: Sequence[ApiCall]) -> None:
        if calls:
            docs = [{**call.model_dump(), "ts": to_utc(call.ts), ROLLED_UP: True} for call in calls]
            self._calls.insert_many(docs)
            self.rollups.add(calls)

    def get_api_calls(self, job_id: str) -> list[ApiCall]:
        # _id (an ObjectId) grows with insertion, so it orders calls recorded in the same ms.
        cursor = self._calls.find({"job_id": job_id}, {"_id": False, ROLLED_UP: False})
        return [ApiCall.model_validate(doc) for doc in cursor.sort([("ts", ASCENDING), ("_id", ASCENDING)])]

    # tokens --------------------------------------------------------------------------------
    def put_token(self, job_id: str, ciphertext: bytes, expires_at: datetime | None) -> None:
        self._tokens.update_one(
            {"job_id": job_id},
            {"$set": {"ciphertext": ciphertext, "expires_at": plain(expires_at)}},
            upsert=True,
        )

    def get_token(self, job_id: str, now: datetime) -> bytes | None:
        doc = self._tokens.find_one(
            {
                "job_id": job_id,
                "$or": [{"expires_at": None}, {"expires_at": {"$gte": to_utc(now)}}],
            }
        )
        return None if doc is None else bytes(doc["ciphertext"])

    def set_token_expiry(self, job_id: str, expires_at: datetime | None) -> None:
        self._tokens.update_one({"job_id": job_id}, {"$set": {"expires_at": plain(expires_at)}})

    def delete_token(self, job_id: str) -> None:
        self._tokens.delete_one({"job_id": job_id})

    def purge_expired_tokens(self, now: datetime) -> int:
        return self._tokens.delete_many({"expires_at": {"$lt": to_utc(now)}}).deleted_count
