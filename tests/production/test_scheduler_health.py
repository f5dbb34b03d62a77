"""The scheduler container's health check: `marketing-etl scheduler --check` reads the heartbeat
a real `marketing-etl scheduler` renews after each tick."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import yaml

from marketing_etl.schedules.heartbeat import heartbeat_problem, max_age_s
from tests.executors.support import MARKETING_ETL, PROJECT_ROOT, Proc, subprocess_env, wait_until


def test_compose_checks_the_schedulers_heartbeat() -> None:
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    assert compose["services"]["scheduler"]["healthcheck"]["test"] == [
        "CMD", "marketing-etl", "scheduler", "--check"
    ]


def test_check_follows_a_running_scheduler(tmp_path: Path) -> None:
    heartbeat = tmp_path / "heartbeat"
    env = subprocess_env(
        tmp_path, DATABASE_URL=f"sqlite:///{(tmp_path / 'jobs.db').as_posix()}", SCHEDULER_INTERVAL_S="0.5"
    )

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [MARKETING_ETL, "scheduler", "--check", "--heartbeat-file", str(heartbeat)],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30,
        )

    before = check()
    assert before.returncode == 1 and "has not completed a tick" in before.stderr
    scheduler = Proc(
        ["scheduler", "--heartbeat-file", str(heartbeat)], env, tmp_path, tmp_path / "scheduler.log"
    )
    try:
        wait_until(heartbeat.exists, 30, f"a heartbeat; scheduler log:\n{scheduler.output()}")
        first = heartbeat.stat().st_mtime
        wait_until(lambda: heartbeat.stat().st_mtime > first, 10, "the heartbeat to be renewed")
        alive = check()
        assert alive.returncode == 0 and "alive" in alive.stdout
    finally:
        scheduler.stop()
    # A scheduler that stopped ticking: its heartbeat ages past the limit.
    stale = time.time() - max_age_s(0.5) - 1
    os.utime(heartbeat, (stale, stale))
    stuck = check()
    assert stuck.returncode == 1 and "stuck" in stuck.stderr


def test_the_limit_allows_missed_ticks_but_not_many(tmp_path: Path) -> None:
    heartbeat = tmp_path / "heartbeat"
    heartbeat.touch()
    beaten_at = heartbeat.stat().st_mtime
    assert max_age_s(15) == 60 and max_age_s(60) == 240
    assert heartbeat_problem(heartbeat, 15, now=beaten_at + 59) is None
    assert heartbeat_problem(heartbeat, 15, now=beaten_at + 61) is not None
    assert heartbeat_problem(heartbeat, 60, now=beaten_at + 200) is None
