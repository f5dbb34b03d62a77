"""Named leases (contracts/locks.py) on MongoDB: one document per lease, keyed by its name.

Taking one is a single find_one_and_update with upsert whose filter matches only an expired
lease or the owner's own; when another owner holds it, the upsert's insert collides with the
existing _id and the server refuses it, so two workers never both win.
"""

from __future__ import annotations

from datetime import datetime

from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from marketing_etl.contracts.locks import LockHolder
from marketing_etl.storage.common import to_utc
from marketing_etl.storage.mongo_client import Doc

_TRIES = 3


class MongoLocks:
    def __init__(self, collection: Collection[Doc]) -> None:
        self._locks = collection

    def init(self) -> None:
        self._locks.create_index("expires_at")

    def acquire(
        self, name: str, *, label: str, owner: str, holder: str, lease_until: datetime, now: datetime
    ) -> LockHolder | None:
        lease = {"label": label, "owner": owner, "holder": holder, "expires_at": to_utc(lease_until)}
        free_or_ours = {"_id": name, "$or": [{"expires_at": {"$lt": to_utc(now)}}, {"owner": owner}]}
        # A lease released between the refused upsert and the read is free again: try again.
        for _ in range(_TRIES):
            try:
                self._locks.find_one_and_update(free_or_ours, {"$set": lease}, upsert=True)
                return None
            except DuplicateKeyError:
                doc = self._locks.find_one({"_id": name})
            if doc is not None:
                return _holder(doc)
        return LockHolder(label=label, owner="", holder="another job", expires_at=lease_until)

    def current(self, name: str, now: datetime) -> LockHolder | None:
        doc = self._locks.find_one({"_id": name, "expires_at": {"$gte": to_utc(now)}})
        return None if doc is None else _holder(doc)

    def renew(self, name: str, owner: str, lease_until: datetime) -> bool:
        result = self._locks.update_one(
            {"_id": name, "owner": owner}, {"$set": {"expires_at": to_utc(lease_until)}}
        )
        return result.matched_count == 1

    def release(self, name: str, owner: str) -> None:
        self._locks.delete_one({"_id": name, "owner": owner})


def _holder(doc: Doc) -> LockHolder:
    return LockHolder(
        label=doc["label"], owner=doc["owner"], holder=doc["holder"], expires_at=to_utc(doc["expires_at"])
    )
