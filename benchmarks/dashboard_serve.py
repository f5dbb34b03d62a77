"""The app under test, served in a process of its own as production serves it.

The benchmark's process holds what seeding left behind, its HTTP client and its own threads; an
app served from a thread of it shared its interpreter lock and garbage collector, whose pauses
(up to ~200 ms over a large heap) showed up as the endpoints' p95. A spawned process starts
clean: its heap is the app's, as in the api container. It runs no worker or scheduler, so the
store stays as seeded while it is timed.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from marketing_etl.settings import Settings

AUTH = ("bench", "bench-dashboard-password")
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


class HeldExecutor:
    """Runs nothing: the seeded QUEUED jobs stay queued, so every request sees the same store."""

    name = "held"

    def start(self) -> None:
        return None

    def submit(self, job_id: str) -> None:
        return None

    def ping(self) -> None:
        return None

    def shutdown(self, wait_s: float = 10.0) -> None:
        return None


def bench_settings(data_dir: Path, database_url: str | None) -> Settings:
    """A served app with the benchmark's dashboard login and no scheduler, so the seeded store
    does not change while it is timed."""
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        database_url=database_url,
        secret_key="bench",
        dashboard_username=AUTH[0],
        dashboard_password=AUTH[1],
        embedded_scheduler=False,
    )


def _serve(data_dir: Path, database_url: str | None, port: int) -> None:
    import uvicorn

    from marketing_etl.api.app import create_app
    from marketing_etl.wiring import build_services

    settings = bench_settings(data_dir, database_url)
    services = build_services(settings)
    try:
        app = create_app(settings, services=services, executor=HeldExecutor())
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
    finally:
        services.close()


def _wait_ready(url: str, process: multiprocessing.process.BaseProcess) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if not process.is_alive():
            raise RuntimeError(f"the app process exited with code {process.exitcode}")
        try:
            httpx.get(f"{url}/healthz", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"the app did not answer at {url} within {STARTUP_TIMEOUT_S:.0f} s")


@contextmanager
def served(data_dir: Path, database_url: str | None, port: int) -> Iterator[str]:
    """The app on loopback `port` in a spawned process; yields its base URL."""
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(data_dir, database_url, port), name="bench-app", daemon=True
    )
    process.start()
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        process.join(STOP_TIMEOUT_S)
        if process.is_alive():
            process.kill()
            process.join()
