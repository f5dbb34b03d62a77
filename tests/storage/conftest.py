"""One `store` fixture per backend; every test in this folder runs against each of them.

No MongoDB server can be installed on the machines this suite runs on, so mongomock stands in for
MongoDB unless MONGO_TEST_URI points at a real server; then each test gets its own database on
that server, dropped afterwards. SQLite and PostgreSQL always run for real (PostgreSQL skips, or
fails with REQUIRE_SERVICES=1, when it is not reachable).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from marketing_etl.contracts.store import Store
from marketing_etl.wiring import open_store
from tests.services import postgres_schema
from tests.storage.mongomock_client import mongomock_store

BACKENDS = ("sqlite", "postgresql", "mongo")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    backend: str = request.param
    if backend == "sqlite":
        yield from _opened(f"sqlite:///{tmp_path / 'store' / 'jobs.db'}")
    elif backend == "postgresql":
        with postgres_schema() as url:
            yield from _opened(url)
    else:
        yield from _mongo()


def _opened(url: str, mongo_database: str = "marketing_etl") -> Iterator[Store]:
    store = open_store(url, mongo_database=mongo_database)
    try:
        yield store
    finally:
        store.close()


def _mongo() -> Iterator[Store]:
    server = os.environ.get("MONGO_TEST_URI")
    if not server:
        store = mongomock_store()
        try:
            yield store
        finally:
            store.close()
        return
    import pymongo

    database = f"t_{uuid.uuid4().hex[:12]}"
    try:
        yield from _opened(server, database)
    finally:
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(server)
        with client:
            client.drop_database(database)
