"""What a process shares with everything it runs: settings, store, token vault and plugins.

A plain container: the entry points build it (marketing_etl/wiring.py) and hand it down; nothing
here knows which database, executor or plugins it holds. The API process, the Celery worker and
the CLI each build one `Services` and share nothing else.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass

from marketing_etl.contracts.store import Store
from marketing_etl.plugins import Plugins
from marketing_etl.runner import RunnerDeps
from marketing_etl.settings import Settings
from marketing_etl.tokens import TokenVault


@dataclass
class Services:
    settings: Settings
    store: Store
    vault: TokenVault
    plugins: Plugins

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


def worker_identity(worker: str | None = None) -> str:
    suffix = worker or threading.current_thread().name
    return f"{socket.gethostname()}:{os.getpid()}:{suffix}"
