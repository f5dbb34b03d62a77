"""`marketing-etl migrate` as an operator runs it: upgrading the previous release's database
before the new version starts, checking, and doing nothing the second time."""

from __future__ import annotations

from pathlib import Path

from marketing_etl.storage.sql_migrate import head_revision
from tests.executors.support import run_cli, subprocess_env
from tests.storage.previous_release import load_previous_release

EXIT_BEHIND = 3


def test_migrate_upgrades_the_previous_release_s_database_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    load_previous_release(url)
    env = subprocess_env(tmp_path / "data", DATABASE_URL=url)
    head = head_revision()

    check = run_cli(["migrate", "--check"], env, tmp_path)
    assert (check.returncode, check.stdout) == (EXIT_BEHIND, f"schema revision: none (newest: {head})\n")

    migrated = run_cli(["migrate"], env, tmp_path)
    assert (migrated.returncode, migrated.stdout) == (0, f"schema revision: none -> {head} (the newest)\n")

    again = run_cli(["migrate"], env, tmp_path)
    assert again.stdout == f"schema revision: {head} (the newest); nothing to do\n"
    assert run_cli(["migrate", "--check"], env, tmp_path).returncode == 0


def test_migrate_reports_a_database_it_cannot_open(tmp_path: Path) -> None:
    env = subprocess_env(tmp_path / "data", DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    failed = run_cli(["migrate"], env, tmp_path)
    assert failed.returncode == 1
    assert failed.stderr.startswith("marketing-etl migrate: OperationalError:")
    assert "Traceback" not in failed.stderr


def test_migrate_help_names_the_check(tmp_path: Path) -> None:
    shown = run_cli(["migrate", "--help"], subprocess_env(tmp_path / "data"), tmp_path)
    assert shown.returncode == 0
    assert "--check" in shown.stdout and "exit status" in shown.stdout
