"""Restart recovery with real processes: `marketing-etl serve` is killed -9 mid-job and started
again on the same DATA_DIR; the running job is re-queued, the queued one still runs."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from tests.executors.support import TOKEN, Proc, free_port, job_body, subprocess_env, wait_until

FIRST, SECOND = "restart-slow", "restart-queued"
ROWS_FIRST, ROWS_SECOND = 12, 3
POLL_S = 0.2
DASHBOARD_LOGIN = ("ops", "restart-test-password")


def start_server(tmp_path: Path, port: int, run: int) -> Proc:
    env = subprocess_env(
        tmp_path / "data",
        TEST_OUTPUT_DIR=str(tmp_path / "out"),
        MAX_CONCURRENT_JOBS="1",
        JOB_LEASE_S="5",
        DASHBOARD_USERNAME=DASHBOARD_LOGIN[0],
        DASHBOARD_PASSWORD=DASHBOARD_LOGIN[1],
    )
    server = Proc(["serve", "--port", str(port)], env, tmp_path, tmp_path / f"serve-{run}.log")

    def healthy() -> bool:
        server.check_alive()
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_until(healthy, 20, f"serve run {run} to answer /healthz", interval_s=0.1)
    except BaseException:
        server.stop()
        raise
    return server


def _status_in(port: int, job_id: str, statuses: set[str]) -> bool:
    return report(port, job_id)["status"] in statuses


def report(port: int, job_id: str) -> dict[str, Any]:
    response = httpx.get(f"http://127.0.0.1:{port}/reports/{job_id}", timeout=5)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def test_jobs_survive_a_killed_server(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    port = free_port()
    server = start_server(tmp_path, port, run=1)
    try:
        for job_id, script in (
            (FIRST, f"rows={ROWS_FIRST};delay_ms=300;log=fetching rows"),
            (SECOND, f"rows={ROWS_SECOND}"),
        ):
            created = httpx.post(
                f"http://127.0.0.1:{port}/reports/create-job", json=job_body(job_id, script), timeout=5
            )
            assert created.status_code == 200, created.text
        wait_until(
            lambda: report(port, FIRST)["rows_written"] >= 2, 15, "the first job to write rows", POLL_S
        )
        assert report(port, SECOND)["status"] == "QUEUED"
        server.kill()

        server = start_server(tmp_path, port, run=2)
        finished = {"SUCCESS", "FAILED", "CANCELLED"}
        for job_id in (FIRST, SECOND):
            wait_until(partial(_status_in, port, job_id, finished), 40, f"{job_id} to finish", POLL_S)
        first, second = report(port, FIRST), report(port, SECOND)
        first_logs = job_logs(port, FIRST)
    finally:
        server.stop()
    assert (first["status"], first["rows_written"]) == ("SUCCESS", ROWS_FIRST), first["message"]
    assert (second["status"], second["rows_written"]) == ("SUCCESS", ROWS_SECOND), second["message"]
    for job_id, rows in ((FIRST, ROWS_FIRST), (SECOND, ROWS_SECOND)):
        written = json.loads((tmp_path / "out" / f"{job_id}.json").read_text())
        assert len(written) == rows + 1, f"{job_id}: header and {rows} rows expected"
    assert "re-queued automatically" in first_logs
    # The scripted source logs the token: the job log and the console must both mask it.
    assert "fetching rows token=***" in first_logs
    console = (tmp_path / "serve-1.log").read_text() + (tmp_path / "serve-2.log").read_text()
    assert "fetching rows" in console
    assert TOKEN not in console


def job_logs(port: int, job_id: str) -> str:
    response = httpx.get(
        f"http://127.0.0.1:{port}/api/dashboard/logs/{job_id}", auth=DASHBOARD_LOGIN, timeout=5
    )
    response.raise_for_status()
    logs: str = response.json()["logs"]
    return logs
