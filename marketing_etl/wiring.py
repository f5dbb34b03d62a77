"""Wiring: settings -> store, token vault, plugins, executor.

Only the entry points import this module: the CLI, the ASGI app factory, the Celery worker and
the tests. Everything they build (stores, executors, plugins) is handed down as `Services` and
never imports this back, so each driver is imported only when the settings choose it.
"""

from __future__ import annotations

from marketing_etl.contracts.executor import Executor
from marketing_etl.contracts.store import Store
from marketing_etl.plugins import Plugins, default_plugins
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.tokens import TokenVault, load_fernet


def open_store(url: str, *, mongo_database: str = "marketing_etl") -> Store:
    """Open (and initialise) the store for `url`: sqlite://, postgresql:// or mongodb://."""
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    store: Store
    if scheme in ("sqlite", "postgresql"):
        from marketing_etl.storage.sql import SqlStore

        store = SqlStore(url)
    elif scheme == "mongodb":  # "mongodb+srv" arrives here as "mongodb"
        from marketing_etl.storage.mongo import MongoStore
        from marketing_etl.storage.mongo_client import connect

        store = MongoStore(connect(url), database=mongo_database)
    else:
        raise ValueError(f"unsupported database URL scheme '{scheme}'")
    store.init()
    return store


def build_services(settings: Settings, plugins: Plugins | None = None) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.resolved_database_url, mongo_database=settings.mongo_database)
    vault = TokenVault(store, load_fernet(settings), settings.token_retention_s)
    plugins = plugins or default_plugins(settings.extra_plugins)
    if settings.sandbox:
        from marketing_etl.sandbox.plugins import install

        install(plugins, settings)
    return Services(settings, store, vault, plugins)


def build_executor(services: Services) -> Executor:
    if services.settings.resolved_executor == "celery":
        from marketing_etl.executors.celery_executor import CeleryExecutor

        return CeleryExecutor(services)
    from marketing_etl.executors.local import LocalExecutor

    return LocalExecutor(services)


def build_scheduler_executor(services: Services) -> Executor:
    """With Celery the scheduler process publishes jobs like the API does; without Redis it has
    no worker of its own and leaves them QUEUED in the store for a `serve` process's pool."""
    if services.settings.resolved_executor == "celery":
        return build_executor(services)
    from marketing_etl.schedules.process import StoreQueue

    return StoreQueue()
