"""Processes for benchmarks/load_scenarios.py: `marketing-etl serve` (sandbox or not) and
`marketing-etl worker` started as an operator starts them, on a free loopback port, plus the
reads the scenarios make of them (a job's status, a sandbox tab's rows).

Each process is a real one: a SIGKILL is a crash, a restart reads the same DATA_DIR.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import openpyxl

from tests.executors.support import Proc, free_port, subprocess_env

FINAL = ("SUCCESS", "FAILED", "CANCELLED")
STARTUP_TIMEOUT_S = 60.0


class Server:
    """One `marketing-etl serve` process and an HTTP client for it."""

    def __init__(self, proc: Proc, url: str) -> None:
        self.proc = proc
        self.url = url
        self.client = httpx.Client(base_url=url, timeout=120, limits=httpx.Limits(max_connections=32))

    def job(self, job_id: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.get(f"/reports/{job_id}").json()
        return answer

    def wait_final(self, job_ids: Iterable[str], timeout_s: float) -> dict[str, dict[str, Any]]:
        """Every job's last answer once all are final (or the timeout passed)."""
        pending = set(job_ids)
        done: dict[str, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout_s
        while pending and time.monotonic() < deadline:
            for job_id in sorted(pending):
                answer = self.job(job_id)
                if answer.get("status") in FINAL:
                    done[job_id] = answer
                    pending.discard(job_id)
            time.sleep(0.2)
        for job_id in pending:
            done[job_id] = self.job(job_id)
        return done

    def tab_rows(self, spreadsheet_id: str, title: str) -> list[tuple[Any, ...]]:
        """A sandbox tab's rows, the header first, read through the viewer's XLSX download."""
        answer = self.client.get(f"/sandbox/sheets/{spreadsheet_id}/download.xlsx")
        if answer.status_code == 404:  # no job wrote to it since the server started
            return [()]
        answer.raise_for_status()
        book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)
        if title not in book.sheetnames:
            return [()]
        return list(book[title].iter_rows(values_only=True))

    def kill(self) -> None:
        self.client.close()
        self.proc.kill()

    def stop(self) -> None:
        self.client.close()
        self.proc.stop(wait_s=15)


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        server.proc.check_alive()
        try:
            if server.client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{server.url} did not answer /healthz within {STARTUP_TIMEOUT_S:.0f} s")


def process_env(data_dir: Path, *, sandbox: bool, **settings: str) -> dict[str, str]:
    """The environment of a served process: none of the caller's settings, and the scripted
    test source only outside the sandbox (the sandbox has its own simulated platforms)."""
    env = subprocess_env(data_dir, **settings)
    if sandbox:
        env.pop("EXTRA_PLUGINS")
    return env


@contextmanager
def serve(data_dir: Path, *, sandbox: bool, **settings: str) -> Iterator[Server]:
    """`marketing-etl serve [--sandbox]` on a free port, stopped (or already killed) on exit."""
    server = start_server(data_dir, sandbox=sandbox, **settings)
    try:
        yield server
    finally:
        server.stop()


def start_server(data_dir: Path, *, sandbox: bool, **settings: str) -> Server:
    port = free_port()
    args = ["serve", "--port", str(port), *(["--sandbox"] if sandbox else [])]
    env = process_env(data_dir, sandbox=sandbox, **settings)
    proc = Proc(args, env, data_dir, data_dir / f"serve-{port}.log")
    server = Server(proc, f"http://127.0.0.1:{port}")
    _wait_healthy(server)
    return server


def start_worker(data_dir: Path, **settings: str) -> Proc:
    env = process_env(data_dir, sandbox=False, **settings)
    args = ["worker", "--concurrency", "2", "--loglevel", "info"]
    return Proc(args, env, data_dir, data_dir / "worker.log")
