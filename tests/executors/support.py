"""Helpers for executor and CLI tests: settings, job bodies, bounded waits, real subprocesses."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from marketing_etl.contracts.store import Store
from marketing_etl.job_spec import JobRequest
from marketing_etl.models import Job, JobStatus, utcnow
from marketing_etl.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The console script installed next to the interpreter running the tests (the project's venv).
MARKETING_ETL = str(Path(sys.executable).parent / "marketing-etl")
TOKEN = "EAAB-executor-secret-token-5f1c9e"
SPREADSHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd"
_SETTING_ENV = [name.upper() for name in Settings.model_fields]
_SCRUBBED_ENV = [*_SETTING_ENV, "REDIS_URL", "REDIS_HOST", "EXECUTOR", "DATABASE_URL", "MONGO_URI"]

T = TypeVar("T")


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "secret_key": "executor-tests-secret",
        "executor": "local",
        "job_lease_s": 5,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def job_body(job_id: str, script: str, token: str = TOKEN) -> dict[str, Any]:
    """A create-job body for the scripted test source (TikTok product, so no template catalog)."""
    today = utcnow().date()
    return {
        "task_type": "product",
        "job_id": job_id,
        "task_id": f"task-{job_id}",
        "access_token": token,
        "start_date": (today - timedelta(days=7)).isoformat(),
        "end_date": (today - timedelta(days=1)).isoformat(),
        "user_email": "ana@example.com",
        "spreadsheet_id": SPREADSHEET_ID,
        "sheet_name": "GMV",
        "advertiser_id": "7001",
        "store_id": "8001",
        "template_name": script,
    }


def job_request(job_id: str, script: str, token: str = TOKEN) -> JobRequest:
    return JobRequest.model_validate(job_body(job_id, script, token))


def wait_until(check: Callable[[], T | None], timeout_s: float, what: str, interval_s: float = 0.05) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(interval_s)


def wait_for_status(store: Store, job_id: str, statuses: Iterable[JobStatus], timeout_s: float) -> Job:
    wanted = set(statuses)
    last: list[Job | None] = [None]

    def reached() -> Job | None:
        job = last[0] = store.get_job(job_id)
        return job if job is not None and job.status in wanted else None

    try:
        return wait_until(reached, timeout_s, f"job {job_id} to reach {sorted(wanted)}")
    except AssertionError as exc:
        seen = last[0]
        state = "missing" if seen is None else f"{seen.status.value}: {seen.message}"
        raise AssertionError(f"{exc}; it is {state}") from None


def logs_of(store: Store, job_id: str) -> str:
    return "\n".join(line.message for line in store.get_logs(job_id))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def subprocess_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The inherited environment without any of our settings, plus the test plugins."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in _SCRUBBED_ENV}
    env.update(
        DATA_DIR=str(data_dir),
        SECRET_KEY="executor-tests-secret",
        EXTRA_PLUGINS="tests.plugins:register",
        PYTHONPATH=str(PROJECT_ROOT),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Proc:
    """A `marketing-etl` subprocess whose output goes to a file (a full pipe would block it)."""

    def __init__(self, args: list[str], env: Mapping[str, str], cwd: Path, log_path: Path) -> None:
        self.log_path = log_path
        self.args = " ".join(args)
        self._log = log_path.open("ab")
        # Its own session, so the worker's child processes can be stopped with it.
        self.popen = subprocess.Popen(
            [MARKETING_ETL, *args],
            env=dict(env),
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up, like an OOM kill or a power cut."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)
        self._log.close()

    def stop(self, wait_s: float = 10.0) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        self._log.close()

    def check_alive(self) -> None:
        code = self.popen.poll()
        if code is not None:
            raise AssertionError(f"{self.args} exited with {code}:\n{self.output()[-3000:]}")


def run_cli(
    args: list[str], env: Mapping[str, str], cwd: Path, timeout_s: float = 60, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MARKETING_ETL, *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        input=stdin,
    )
