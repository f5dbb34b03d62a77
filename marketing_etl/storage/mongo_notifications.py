"""NotificationStore (contracts/notifications.py) on MongoDB: claiming and recording an attempt
are single-document conditional updates."""

from __future__ import annotations

import re
from datetime import datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from marketing_etl.contracts.notifications import DeliveryAttempt, DeliveryState, Notification
from marketing_etl.storage.common import plain
from marketing_etl.storage.mongo_client import Doc
from marketing_etl.storage.notification_records import (
    COUNTER_PREFIX,
    attempt_record,
    counter_name,
    delivery_totals,
    notification_from_record,
    notification_record,
)

_NO_ID = {"_id": False}
_DONE = [DeliveryState.SENT.value, DeliveryState.FAILED.value]


class MongoNotificationStore:
    def __init__(self, collection: Collection[Doc]) -> None:
        self._notifications = collection
        # Next to the pruning totals (mongo_prune.py), in the same database.
        self._totals = collection.database.get_collection("maintenance_totals")

    def init(self) -> None:
        self._notifications.create_index("notification_id", unique=True)
        self._notifications.create_index([("state", ASCENDING), ("next_attempt_at", ASCENDING)])
        self._notifications.create_index("job_id")
        self._notifications.create_index([("channel", ASCENDING), ("created_at", ASCENDING)])

    def enqueue(self, notification: Notification) -> bool:
        try:
            self._notifications.insert_one(notification_record(notification))
        except DuplicateKeyError:
            return False
        return True

    def due(self, now: datetime, limit: int) -> list[Notification]:
        query = {"state": DeliveryState.PENDING.value, "next_attempt_at": {"$ne": None, "$lte": plain(now)}}
        cursor = (
            self._notifications.find(query, _NO_ID)
            .sort([("next_attempt_at", ASCENDING), ("notification_id", ASCENDING)])
            .limit(limit)
        )
        return [notification_from_record(doc) for doc in cursor]

    def claim(self, notification_id: str, expected_next: datetime, lease_until: datetime) -> bool:
        result = self._notifications.update_one(
            {
                "notification_id": notification_id,
                "state": DeliveryState.PENDING.value,
                "next_attempt_at": plain(expected_next),
            },
            {"$set": {"next_attempt_at": plain(lease_until)}},
        )
        return result.matched_count == 1

    def record_attempt(
        self,
        notification_id: str,
        attempt: DeliveryAttempt,
        state: DeliveryState,
        next_attempt_at: datetime | None,
    ) -> bool:
        found = self._notifications.find_one_and_update(
            {"notification_id": notification_id},
            {
                "$push": {"attempts": attempt_record(attempt)},
                "$set": {"state": state.value, "next_attempt_at": plain(next_attempt_at)},
            },
            projection={"_id": False, "channel": True},
        )
        if found is None:
            return False
        name = counter_name(found["channel"], state)
        self._totals.update_one({"_id": name}, {"$inc": {"total": 1}}, upsert=True)
        return True

    def delivery_totals(self) -> dict[tuple[str, DeliveryState], int]:
        query = {"_id": {"$regex": f"^{re.escape(COUNTER_PREFIX)}"}}
        return delivery_totals({doc["_id"]: int(doc["total"]) for doc in self._totals.find(query)})

    def for_job(self, job_id: str) -> list[Notification]:
        cursor = self._notifications.find({"job_id": job_id}, _NO_ID).sort(
            [("created_at", ASCENDING), ("notification_id", ASCENDING)]
        )
        return [notification_from_record(doc) for doc in cursor]

    def latest_by_channel(self) -> dict[str, Notification]:
        latest: dict[str, Notification] = {}
        # Unfiltered, distinct reads the (channel, created_at) index only, not every document.
        for channel in self._notifications.distinct("channel"):
            doc = self._notifications.find_one(
                {"channel": channel, "state": {"$in": _DONE}},
                _NO_ID,
                sort=[("created_at", DESCENDING), ("notification_id", DESCENDING)],
            )
            if doc is not None:
                latest[str(channel)] = notification_from_record(doc)
        return latest

    def delete_for_jobs(self, job_ids: list[str]) -> int:
        if not job_ids:
            return 0
        return self._notifications.delete_many({"job_id": {"$in": job_ids}}).deleted_count
