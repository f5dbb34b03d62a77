"""`marketing-etl` as a user runs it: real subprocesses on a fresh DATA_DIR."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path
from typing import Any

import pytest

from marketing_etl.models import JobStatus
from marketing_etl.wiring import open_store
from tests.executors.support import (
    TOKEN,
    Proc,
    job_body,
    run_cli,
    subprocess_env,
    wait_for_status,
)

BAR = re.compile(r"\[[#.]{10}\] +\d{1,3}% ")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return subprocess_env(tmp_path / "data")


def write_job(tmp_path: Path, body: dict[str, Any], name: str = "job.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(body))
    return path


def test_run_shows_progress_and_log_then_jobs_lists_it(tmp_path: Path, env: dict[str, str]) -> None:
    job_file = write_job(tmp_path, job_body("cli-ok", "rows=5;delay_ms=60;log=fetching rows"))
    done = run_cli(["run", str(job_file)], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert BAR.search(done.stderr), done.stderr
    assert "100%" in done.stderr
    assert "Job accepted" in done.stdout
    assert "fetching rows token=***" in done.stdout
    assert "SUCCESS: Wrote 5 rows" in done.stdout
    assert TOKEN not in done.stdout + done.stderr

    listed = run_cli(["jobs"], env, tmp_path)
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.splitlines()[:2]
    assert header.split()[:5] == ["JOB_ID", "TASK_TYPE", "STATUS", "PROGRESS", "ROWS"]
    assert row.split()[:5] == ["cli-ok", "product", "SUCCESS", "100%", "5"]
    assert header.index("MESSAGE") == row.index("Wrote 5 rows"), "columns should line up"
    assert "No FAILED jobs" in run_cli(["jobs", "--status", "failed"], env, tmp_path).stdout


def test_run_of_a_failing_job_exits_1_with_the_reason(tmp_path: Path, env: dict[str, str]) -> None:
    body = job_body("cli-fail", "rows=2;fail=user")
    done = run_cli(["run", "-"], env, tmp_path, stdin=json.dumps(body))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED: The scripted source refused this account." in done.stdout


def test_bad_job_files_exit_2_naming_the_field(tmp_path: Path, env: dict[str, str]) -> None:
    bad_shape = job_body("cli-bad", "rows=1") | {"user_email": "not-an-email"}
    done = run_cli(["run", str(write_job(tmp_path, bad_shape))], env, tmp_path)
    assert done.returncode == 2
    assert "user_email:" in done.stderr

    backwards = job_body("cli-bad", "rows=1")
    backwards["start_date"], backwards["end_date"] = backwards["end_date"], backwards["start_date"]
    done = run_cli(["run", str(write_job(tmp_path, backwards))], env, tmp_path)
    assert done.returncode == 2
    assert "start_date:" in done.stderr and "after end_date" in done.stderr

    secret = "EAAB-cli-secret-in-wrong-field"  # within task_type's 32 characters
    swapped = job_body("cli-bad", "rows=1") | {"access_token": secret, "task_type": secret}
    done = run_cli(["run", str(write_job(tmp_path, swapped))], env, tmp_path)
    assert done.returncode == 2
    assert "task_type: unknown task_type '***'" in done.stderr
    assert secret not in done.stdout + done.stderr

    (tmp_path / "broken.json").write_text("{not json")
    done = run_cli(["run", str(tmp_path / "broken.json")], env, tmp_path)
    assert done.returncode == 2
    assert "not valid JSON" in done.stderr
    assert "No jobs yet" in run_cli(["jobs"], env, tmp_path).stdout


def test_ctrl_c_cancels_the_running_job(tmp_path: Path, env: dict[str, str]) -> None:
    job_file = write_job(tmp_path, job_body("cli-cancel", "rows=200;delay_ms=50"))
    store = open_store(f"sqlite:///{(tmp_path / 'data' / 'marketing_etl.db').as_posix()}")
    proc = Proc(["run", str(job_file)], env, tmp_path, tmp_path / "run.log")
    try:
        wait_for_status(store, "cli-cancel", [JobStatus.RUNNING], 20)
        proc.popen.send_signal(signal.SIGINT)
        assert proc.popen.wait(timeout=15) == 1, proc.output()
    finally:
        proc.stop()
        store.close()
    assert "Cancelling" in proc.output()
    assert "CANCELLED: Cancelled by user" in proc.output()


def test_serve_with_an_unsupported_database_url_exits_2(tmp_path: Path, env: dict[str, str]) -> None:
    done = run_cli(["serve", "--port", "1"], env | {"DATABASE_URL": "ftp://db.example/x"}, tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "DATABASE_URL" in done.stderr
    for scheme in ("sqlite://", "postgresql://", "mongodb://"):
        assert scheme in done.stderr


def test_worker_without_redis_exits_2(tmp_path: Path, env: dict[str, str]) -> None:
    done = run_cli(["worker"], env, tmp_path)
    assert done.returncode == 2
    assert "REDIS_URL" in done.stderr
