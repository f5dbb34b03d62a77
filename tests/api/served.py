"""The real app on a real HTTP server (uvicorn on loopback), for what an in-process client cannot
show: Content-Length and chunked uploads as a server receives them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from marketing_etl.api.app import create_app
from marketing_etl.contracts.executor import Executor
from marketing_etl.destinations import register as register_destinations
from marketing_etl.plugins import Plugins
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_services
from tests.fakes.server import serve_app
from tests.plugins import register

JSON = {"content-type": "application/json"}


@dataclass
class Served:
    http: httpx.Client
    services: Services

    def stored(self, job_id: str) -> bool:
        return self.services.store.get_job(job_id) is not None


def scripted_plugins() -> Plugins:
    """The scripted source for every task type, the memory destination as `sheets`, and the real
    file destinations (csv, xlsx)."""
    plugins = Plugins()
    register_destinations(plugins)
    register(plugins)
    return plugins


@contextmanager
def serving(
    settings: Settings, plugins: Plugins | None = None, executor: Executor | None = None
) -> Iterator[Served]:
    services = build_services(settings, plugins or scripted_plugins())
    app = create_app(settings, services=services, executor=executor)
    try:
        with (
            serve_app(app, lifespan="on", graceful_shutdown_s=1) as url,
            httpx.Client(base_url=url, timeout=30) as http,
        ):
            yield Served(http, services)
    finally:
        services.close()


def padded(body: dict[str, Any], total_bytes: int) -> bytes:
    """`body` as JSON of exactly `total_bytes`, grown by a key the model ignores."""
    empty = json.dumps({**body, "padding": ""}).encode()
    data = json.dumps({**body, "padding": "x" * (total_bytes - len(empty))}).encode()
    assert len(data) == total_bytes
    return data


def chunks(data: bytes, size: int = 65_536) -> Iterator[bytes]:
    """An upload with no Content-Length: httpx sends an iterator chunked."""
    for start in range(0, len(data), size):
        yield data[start : start + size]
