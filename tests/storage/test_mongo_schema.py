"""MongoDB's schema version (storage/mongo_schema.py): recorded once the indexes are in place,
unchanged by later starts, and a database a newer version upgraded is refused."""

from __future__ import annotations

import pytest
from pymongo import MongoClient

from marketing_etl.storage.mongo import MongoStore
from marketing_etl.storage.mongo_client import Doc
from marketing_etl.storage.mongo_schema import SCHEMA_VERSION
from tests.storage.factory import make_job
from tests.storage.mongomock_client import SerializedMongomock


def unopened() -> tuple[MongoStore, MongoClient[Doc]]:
    client: MongoClient[Doc] = SerializedMongomock()  # type: ignore[assignment]
    return MongoStore(client, database="marketing_etl"), client


def test_a_database_from_before_versions_gets_its_indexes_and_the_version() -> None:
    store, client = unopened()
    assert store.insert_job(make_job("from-before"))  # written by a release without init's version
    assert store.schema_version() is None
    store.init()
    assert store.schema_version() == SCHEMA_VERSION
    jobs = client["marketing_etl"].get_collection("jobs")
    indexes = sorted(jobs.index_information())
    assert "job_id_1" in indexes
    store.init()  # a later start: same indexes, same version
    assert sorted(jobs.index_information()) == indexes
    assert store.schema_version() == SCHEMA_VERSION
    found = store.get_job("from-before")
    assert found is not None and found.job_id == "from-before"


def test_a_database_from_a_newer_version_is_refused() -> None:
    store, client = unopened()
    client["marketing_etl"].get_collection("meta").insert_one(
        {"_id": "schema", "version": SCHEMA_VERSION + 1}
    )
    with pytest.raises(RuntimeError, match=f"at version {SCHEMA_VERSION + 1}, written by a newer"):
        store.init()
    assert store.schema_version() == SCHEMA_VERSION + 1  # left as it was
