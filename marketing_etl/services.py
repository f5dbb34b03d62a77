"""Wiring: settings -> store, token vault, plugins, runner dependencies, executor.

The API process, the Celery worker and the CLI each build one `Services` and share nothing else.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass, field

from marketing_etl.executors.base import Executor
from marketing_etl.plugins import Plugins, default_plugins
from marketing_etl.runner import RunnerDeps
from marketing_etl.settings import Settings
from marketing_etl.storage import Store, open_store
from marketing_etl.tokens import TokenVault, load_fernet


@dataclass
class Services:
    settings: Settings
    store: Store
    vault: TokenVault
    plugins: Plugins = field(default_factory=default_plugins)

    def runner_deps(self, worker: str | None = None) -> RunnerDeps:
        return RunnerDeps(
            store=self.store,
            vault=self.vault,
            settings=self.settings,
            plugins=self.plugins,
            owner=worker_identity(worker),
        )

    def close(self) -> None:
        self.store.close()


def build_services(settings: Settings, plugins: Plugins | None = None) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.resolved_database_url, mongo_database=settings.mongo_database)
    vault = TokenVault(store, load_fernet(settings), settings.token_retention_s)
    plugins = plugins or default_plugins(settings.extra_plugins)
    if settings.sandbox:
        from marketing_etl.sandbox import install

        install(plugins, settings)
    return Services(settings, store, vault, plugins)


def build_executor(services: Services) -> Executor:
    if services.settings.resolved_executor == "celery":
        from marketing_etl.executors.celery_executor import CeleryExecutor

        return CeleryExecutor(services)
    from marketing_etl.executors.local import LocalExecutor

    return LocalExecutor(services)


def worker_identity(worker: str | None = None) -> str:
    suffix = worker or threading.current_thread().name
    return f"{socket.gethostname()}:{os.getpid()}:{suffix}"
