"""Connecting to MongoDB. Imported only when a MongoDB URL is chosen, so pymongo is needed only then."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from pymongo import MongoClient

Doc = dict[str, Any]
SERVER_SELECTION_TIMEOUT_MS = 5_000


def connect(url: str) -> MongoClient[Doc]:
    return MongoClient(url, tz_aware=True, tzinfo=UTC, serverSelectionTimeoutMS=SERVER_SELECTION_TIMEOUT_MS)
