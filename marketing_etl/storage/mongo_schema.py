"""The MongoDB store's schema version: one document in the `meta` collection.

MongoDB has no tables to migrate; what a version of the service needs is its indexes, which
MongoStore.init creates at every start (creating an index that exists does nothing). The version
records which of those the database has been given, so that a later change rewriting documents
can tell whether it has run, and a version of the service older than the database refuses it
rather than write documents in a shape the newer one no longer reads.
"""

from __future__ import annotations

from pymongo.collection import Collection

from marketing_etl.storage.mongo_client import Doc

SCHEMA_VERSION = 1
_ID = "schema"


def stored_version(meta: Collection[Doc]) -> int | None:
    found = meta.find_one({"_id": _ID})
    return None if found is None else int(found["version"])


def record_version(meta: Collection[Doc]) -> None:
    """After the indexes are in place: the database is at SCHEMA_VERSION (never lowered)."""
    stored = stored_version(meta)
    if stored is not None and stored > SCHEMA_VERSION:
        raise RuntimeError(
            f"the database's schema is at version {stored}, written by a newer marketing-etl than this "
            f"one (which knows up to {SCHEMA_VERSION}); run the newer version"
        )
    meta.update_one({"_id": _ID}, {"$max": {"version": SCHEMA_VERSION}}, upsert=True)
