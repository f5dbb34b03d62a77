"""MongoStore on mongomock, for the machines this suite runs on, where no MongoDB server can be
installed (MONGO_TEST_URI points the contract suite at a real one instead)."""

from __future__ import annotations

import threading
from typing import Any

import mongomock
from pymongo import MongoClient

from marketing_etl.storage.mongo import MongoStore
from marketing_etl.storage.mongo_client import Doc


def mongomock_store(database: str = "marketing_etl") -> MongoStore:
    """An initialised MongoStore on a fresh in-memory mongomock client."""
    client: MongoClient[Doc] = SerializedMongomock()  # type: ignore[assignment]
    store = MongoStore(client, database=database)
    store.init()
    return store


class SerializedMongomock:
    """A mongomock client whose collections take one lock around every call.

    mongomock runs find_one_and_update, update_one and $inc as a find followed by a separate
    write, so two threads can both match one document; a real server applies each atomically to
    the document. The lock restores that guarantee, so the tests check the store's logic rather
    than mongomock's thread safety."""

    def __init__(self) -> None:
        self._client: mongomock.MongoClient[Doc] = mongomock.MongoClient(tz_aware=True)
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> _Database:
        return _Database(self._client[name], self._lock)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


class _Database:
    def __init__(self, database: Any, lock: threading.Lock) -> None:
        self._database = database
        self._lock = lock

    def get_collection(self, name: str) -> _Serialized:
        return _Serialized(self._database.get_collection(name), self._lock)


class _Serialized:
    def __init__(self, collection: Any, lock: threading.Lock) -> None:
        self._collection = collection
        self._lock = lock

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._collection, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call
