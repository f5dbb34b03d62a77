"""Connecting to MongoDB, or to mongomock (URL scheme mongomock://, used by the tests only).

Imported only when a MongoDB URL is chosen, so pymongo is needed only then.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC
from typing import Any

from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database

Doc = dict[str, Any]
MOCK_SCHEME = "mongomock://"
SERVER_SELECTION_TIMEOUT_MS = 5_000


def connect(url: str) -> MongoClient[Doc]:
    if url.startswith(MOCK_SCHEME):
        import mongomock

        client: MongoClient[Doc] = mongomock.MongoClient(tz_aware=True)
        return client
    return MongoClient(url, tz_aware=True, tzinfo=UTC, serverSelectionTimeoutMS=SERVER_SELECTION_TIMEOUT_MS)


def collections(client: MongoClient[Doc], database: str, url: str) -> Callable[[str], Collection[Doc]]:
    """A getter for the database's collections, made safe for threads on mongomock."""
    db: Database[Doc] = client[database]
    if not url.startswith(MOCK_SCHEME):
        return db.get_collection
    lock = threading.Lock()

    def locked(name: str) -> Collection[Doc]:
        serialized: Collection[Doc] = _Serialized(db.get_collection(name), lock)  # type: ignore[assignment]
        return serialized

    return locked


class _Serialized:
    """mongomock runs find_one_and_update, update_one and $inc as a find followed by a separate
    write, so two threads can both match one document; a real server applies each atomically to
    the document. One lock around every collection call restores that guarantee, so the contract
    suite checks this store's logic rather than mongomock's thread safety."""

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
