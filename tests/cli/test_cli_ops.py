"""Operator commands as a user runs them: cancel, retry, schedules, rotate-key, each --help.

The store is filled in-process on the same DATA_DIR; each command is a real subprocess.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from marketing_etl import jobs
from marketing_etl.job_errors import TOKEN_NEEDED
from marketing_etl.models import JobStatus, utcnow
from marketing_etl.plugins import Plugins
from marketing_etl.services import Services
from marketing_etl.wiring import build_services
from tests.executors.support import TOKEN, job_request, make_settings, run_cli, subprocess_env
from tests.plugins import HeldExecutor, register
from tests.schedules.support import TOKEN as SCHEDULE_TOKEN
from tests.schedules.support import create

EXIT_NOT_FOUND, EXIT_WRONG_STATE = 3, 4


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return subprocess_env(tmp_path / "data")


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    plugins = Plugins()
    register(plugins)
    opened = build_services(make_settings(tmp_path / "data"), plugins)
    try:
        yield opened
    finally:
        opened.close()


def queued_job(services: Services, job_id: str) -> None:
    assert jobs.create_job(services, HeldExecutor(), job_request(job_id, "rows=1")).new


@pytest.mark.parametrize(
    "command",
    [["cancel"], ["retry"], ["rotate-key"], ["prune"], ["schedules"]]
    + [["schedules", action] for action in ("list", "pause", "resume", "run-now")],
    ids=" ".join,
)
def test_each_command_has_help(tmp_path: Path, env: dict[str, str], command: list[str]) -> None:
    done = run_cli([*command, "--help"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: marketing-etl {' '.join(command)} ")


def test_cancel_and_retry_answer_as_the_api_does(
    tmp_path: Path, env: dict[str, str], services: Services
) -> None:
    queued_job(services, "ops-1")
    done = run_cli(["cancel", "ops-1"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ops-1: CANCELLED: Cancelled by user before it started.")

    again = run_cli(["cancel", "ops-1"], env, tmp_path)
    assert again.returncode == EXIT_WRONG_STATE
    assert "Job 'ops-1' has already finished (CANCELLED); there is nothing to cancel." in again.stderr

    retried = run_cli(["retry", "ops-1"], env, tmp_path)
    assert retried.returncode == 0, retried.stderr
    assert retried.stdout.strip() == "ops-1: QUEUED: Queued for retry (attempt 2)"
    job = services.store.get_job("ops-1")
    assert job is not None and job.status is JobStatus.QUEUED and job.attempt == 2

    not_retryable = run_cli(["retry", "ops-1"], env, tmp_path)
    assert not_retryable.returncode == EXIT_WRONG_STATE
    assert "Job 'ops-1' is QUEUED; only FAILED or CANCELLED jobs can be retried." in not_retryable.stderr

    for command in ("cancel", "retry"):
        unknown = run_cli([command, "no-such-job"], env, tmp_path)
        assert unknown.returncode == EXIT_NOT_FOUND
        assert f"marketing-etl {command}: No job with job_id 'no-such-job'." in unknown.stderr
    assert TOKEN not in done.stdout + retried.stdout


def test_retry_takes_a_new_token_from_stdin_only(
    tmp_path: Path, env: dict[str, str], services: Services
) -> None:
    queued_job(services, "ops-2")
    jobs.cancel_job(services, "ops-2")
    services.store.delete_token("ops-2")

    refused = run_cli(["retry", "ops-2"], env, tmp_path)
    assert refused.returncode == 2
    assert TOKEN_NEEDED in refused.stderr and "--token-stdin" in refused.stderr

    new_token = "EAAB-a-new-token-from-stdin-42"
    done = run_cli(["retry", "ops-2", "--token-stdin"], env, tmp_path, stdin=new_token + "\n")
    assert done.returncode == 0, done.stderr
    assert services.vault.get("ops-2", utcnow()) == new_token
    assert new_token not in done.stdout + done.stderr


def test_schedules_list_pause_resume_run_now(tmp_path: Path, env: dict[str, str], services: Services) -> None:
    assert run_cli(["schedules", "list"], env, tmp_path).stdout.strip() == "No schedules yet."
    schedule = create(services)
    sid = schedule.schedule_id

    listed = run_cli(["schedules", "list"], env, tmp_path)
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.splitlines()
    assert header.split()[:2] == ["SCHEDULE_ID", "NAME"]
    assert row.startswith(sid) and "GMV daily" in row and " enabled " in row

    paused = run_cli(["schedules", "pause", sid], env, tmp_path)
    assert paused.returncode == 0, paused.stderr
    assert paused.stdout.strip() == f"{sid}: paused; no firings until resumed"
    stored = services.store.schedules.get(sid)
    assert stored is not None and not stored.enabled and stored.next_run_at is None
    assert " paused " in run_cli(["schedules", "list"], env, tmp_path).stdout

    resumed = run_cli(["schedules", "resume", sid], env, tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    stored = services.store.schedules.get(sid)
    assert stored is not None and stored.enabled and stored.next_run_at is not None
    assert stored.next_run_at > utcnow()
    assert f"next firing {stored.next_run_at:%Y-%m-%d %H:%M} UTC" in resumed.stdout

    fired = run_cli(["schedules", "run-now", sid], env, tmp_path)
    assert fired.returncode == 0, fired.stderr
    job_id = fired.stdout.strip().removeprefix(f"{sid}: created job ")
    assert job_id.startswith(f"{sid}.")
    job = services.store.get_job(job_id)
    assert job is not None and job.status is JobStatus.QUEUED  # left for a `serve` pool to run
    assert services.vault.get(job_id, utcnow()) == SCHEDULE_TOKEN  # the schedule's token went with it

    for action in ("pause", "resume", "run-now"):
        unknown = run_cli(["schedules", action, "no-such-schedule"], env, tmp_path)
        assert unknown.returncode == EXIT_NOT_FOUND
        assert "No schedule with id 'no-such-schedule'." in unknown.stderr


def test_rotate_key_with_two_keys(tmp_path: Path, env: dict[str, str], services: Services) -> None:
    queued_job(services, "ops-old")  # under SECRET_KEY=executor-tests-secret
    create(services)
    lost = build_services(make_settings(tmp_path / "data", secret_key="a-key-nobody-has"))
    lost.vault.put("ops-lost", "lost-token")
    lost.close()
    old_key = env["SECRET_KEY"]
    both = env | {"SECRET_KEY": f"the-new-key,{old_key}"}

    done = run_cli(["rotate-key"], both, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "Re-encrypted with the newest key: 1 job token(s), 1 schedule token(s), 0 connection token(s), "
        "0 schedule webhook secret(s), 0 schedule Slack URL(s)." in done.stdout
    )
    assert "  job ops-lost" in done.stdout
    assert TOKEN not in done.stdout + done.stderr and SCHEDULE_TOKEN not in done.stdout

    new_only = build_services(make_settings(tmp_path / "data", secret_key="the-new-key"))
    try:
        assert new_only.vault.get("ops-old", utcnow()) == TOKEN
        assert new_only.store.get_token("ops-lost", utcnow()) is not None  # reported, not deleted
    finally:
        new_only.close()


def test_run_now_that_creates_no_job_says_why(
    tmp_path: Path, env: dict[str, str], services: Services
) -> None:
    sid = create(services).schedule_id
    done = run_cli(
        ["schedules", "run-now", sid], env | {"SECRET_KEY": "not-the-key-it-was-stored-with"}, tmp_path
    )
    assert done.returncode == 1
    assert "its access token cannot be decrypted" in done.stderr
    assert f"{sid} created no job" in done.stderr
