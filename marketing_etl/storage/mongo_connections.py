"""ConnectionStore on MongoDB: one document per connection, its last check beside it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from marketing_etl.contracts.connections import Connection, ConnectionCheck
from marketing_etl.storage.common import plain
from marketing_etl.storage.connection_records import (
    check_values,
    connection_from_record,
    connection_values,
)
from marketing_etl.storage.mongo_client import Doc

_HIDDEN = {"_id": False, "ciphertext": False}


class MongoConnectionStore:
    def __init__(self, collection: Collection[Doc]) -> None:
        self._connections = collection

    def init(self) -> None:
        self._connections.create_index("connection_id", unique=True)
        self._connections.create_index("expires_at")

    def insert(self, connection: Connection, ciphertext: bytes) -> bool:
        try:
            self._connections.insert_one(connection_values(connection, ciphertext))
        except DuplicateKeyError:
            return False
        return True

    def get(self, connection_id: str) -> Connection | None:
        doc = self._connections.find_one({"connection_id": connection_id}, _HIDDEN)
        return None if doc is None else connection_from_record(doc)

    def all(self) -> list[Connection]:
        return self._find({}, [("name", ASCENDING), ("connection_id", ASCENDING)])

    def token(self, connection_id: str) -> bytes | None:
        doc = self._connections.find_one({"connection_id": connection_id}, {"ciphertext": True})
        return None if doc is None else bytes(doc["ciphertext"])

    def record_check(self, connection_id: str, check: ConnectionCheck) -> bool:
        result = self._connections.update_one({"connection_id": connection_id}, {"$set": check_values(check)})
        return result.matched_count == 1

    def delete(self, connection_id: str) -> bool:
        return self._connections.delete_one({"connection_id": connection_id}).deleted_count == 1

    def expiring(self, before: datetime) -> list[Connection]:
        query = {"expires_at": {"$ne": None, "$lte": plain(before)}}
        return self._find(query, [("expires_at", ASCENDING), ("connection_id", ASCENDING)])

    def _find(self, query: dict[str, Any], order: list[tuple[str, int]]) -> list[Connection]:
        return [connection_from_record(doc) for doc in self._connections.find(query, _HIDDEN).sort(order)]
