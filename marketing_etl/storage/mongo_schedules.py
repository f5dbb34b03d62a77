"""ScheduleStore on MongoDB: each claim is one conditional single-document update."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from marketing_etl.contracts.schedules import DEFINITION_FIELDS
from marketing_etl.schedules.model import Schedule
from marketing_etl.storage.common import plain
from marketing_etl.storage.mongo_client import Doc

_HIDDEN = {"_id": False, "token": False}
_ORDER = [("name", ASCENDING), ("schedule_id", ASCENDING)]


class MongoScheduleStore:
    def __init__(self, collection: Collection[Doc]) -> None:
        self._schedules = collection

    def init(self) -> None:
        self._schedules.create_index("schedule_id", unique=True)
        self._schedules.create_index([("enabled", ASCENDING), ("next_run_at", ASCENDING)])

    def insert(self, schedule: Schedule, token: bytes | None) -> bool:
        record = {name: plain(value) for name, value in schedule.model_dump().items()}
        try:
            self._schedules.insert_one({**record, "token": token})
        except DuplicateKeyError:
            return False
        return True

    def get(self, schedule_id: str) -> Schedule | None:
        doc = self._schedules.find_one({"schedule_id": schedule_id}, _HIDDEN)
        return None if doc is None else Schedule.model_validate(doc)

    def all(self) -> list[Schedule]:
        return self._find({})

    def token(self, schedule_id: str) -> bytes | None:
        doc = self._schedules.find_one({"schedule_id": schedule_id}, {"token": True})
        return None if doc is None or doc.get("token") is None else bytes(doc["token"])

    def update(self, schedule_id: str, token: bytes | None, now: datetime, **fields: Any) -> bool:
        unknown = set(fields) - DEFINITION_FIELDS
        if unknown:
            raise ValueError(f"schedule fields cannot be changed: {', '.join(sorted(unknown))}")
        values = {name: plain(value) for name, value in fields.items()}
        values["updated_at"] = plain(now)
        if token is not None:
            values["token"] = token
        return self._schedules.update_one({"schedule_id": schedule_id}, {"$set": values}).matched_count == 1

    def delete(self, schedule_id: str) -> bool:
        return self._schedules.delete_one({"schedule_id": schedule_id}).deleted_count == 1

    def due(self, now: datetime) -> list[Schedule]:
        return self._find({"enabled": True, "next_run_at": {"$ne": None, "$lte": plain(now)}})

    def pending(self) -> list[Schedule]:
        return self._find({"last_slot_at": {"$ne": None}, "last_job_id": None, "last_error": None})

    def claim(self, schedule_id: str, expected_next: datetime, slot: datetime, next_run_at: datetime) -> bool:
        result = self._schedules.update_one(
            {"schedule_id": schedule_id, "enabled": True, "next_run_at": plain(expected_next)},
            {
                "$set": {
                    "next_run_at": plain(next_run_at),
                    "last_slot_at": plain(slot),
                    "last_job_id": None,
                    "last_error": None,
                }
            },
        )
        return result.matched_count == 1

    def record_firing(self, schedule_id: str, slot: datetime, job_id: str | None, error: str | None) -> bool:
        result = self._schedules.update_one(
            {"schedule_id": schedule_id, "last_slot_at": plain(slot)},
            {"$set": {"last_job_id": job_id, "last_error": error}},
        )
        return result.matched_count == 1

    def record_outcome(self, schedule_id: str, *, failed: bool) -> int | None:
        change = {"$inc": {"failures_in_row": 1}} if failed else {"$set": {"failures_in_row": 0}}
        doc = self._schedules.find_one_and_update(
            {"schedule_id": schedule_id},
            change,
            {"failures_in_row": True},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else int(doc["failures_in_row"])

    def _find(self, query: Doc) -> list[Schedule]:
        return [Schedule.model_validate(doc) for doc in self._schedules.find(query, _HIDDEN).sort(_ORDER)]
