"""Job storage, chosen by URL scheme; each backend's driver is imported only when chosen."""

from __future__ import annotations

from marketing_etl.storage.base import Store


def open_store(url: str, *, mongo_database: str = "marketing_etl") -> Store:
    """Open (and initialise) the store for `url`: sqlite://, postgresql:// or mongodb://."""
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    store: Store
    if scheme in ("sqlite", "postgresql"):
        from marketing_etl.storage.sql import SqlStore

        store = SqlStore(url)
    elif scheme in ("mongodb", "mongomock"):  # "mongodb+srv" arrives here as "mongodb"
        from marketing_etl.storage.mongo import MongoStore

        store = MongoStore(url, database=mongo_database)
    else:
        raise ValueError(f"unsupported database URL scheme '{scheme}'")
    store.init()
    return store


__all__ = ["Store", "open_store"]
