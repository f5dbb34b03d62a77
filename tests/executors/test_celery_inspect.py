"""Celery's own tools against a real `marketing-etl worker`: the importable app
(marketing_etl.executors.celery_app:app) and the worker container's health check, run as
docker-compose.yml writes it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.executors.support import PROJECT_ROOT, Proc, subprocess_env, wait_until
from tests.services import redis_database
from tests.test_import_graph import import_graph

pytestmark = pytest.mark.redis

APP_MODULE = "marketing_etl.executors.celery_app"
CELERY = str(Path(sys.executable).parent / "celery")


def test_nothing_in_the_package_imports_the_app_built_at_import() -> None:
    # Importing it reads the environment; only `celery -A` may do that.
    importers = sorted(name for name, imported in import_graph().items() if APP_MODULE in imported)
    assert APP_MODULE in import_graph()
    assert importers == []


def _compose_health_check() -> str:
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    kind, command = compose["services"]["worker"]["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    # Compose turns $$ into $ before the container's shell sees the command.
    return str(command).replace("$$", "$")


def _run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_the_compose_health_check_is_answered_by_this_hosts_worker_only(tmp_path: Path) -> None:
    health_check = _compose_health_check()
    hostname = socket.gethostname()
    with redis_database() as broker:
        env = subprocess_env(
            tmp_path,
            REDIS_URL=broker,
            DATABASE_URL=f"sqlite:///{(tmp_path / 'jobs.db').as_posix()}",
            HOSTNAME=hostname,
            PATH=f"{Path(CELERY).parent}:{os.environ['PATH']}",
        )
        check = ["sh", "-c", health_check]
        no_worker = _run(check, env, tmp_path)
        assert no_worker.returncode != 0, no_worker.stdout
        worker = Proc(["worker", "--concurrency", "1"], env, tmp_path, tmp_path / "worker.log")

        def answered_check() -> subprocess.CompletedProcess[str] | None:
            result = _run(check, env, tmp_path)
            return result if result.returncode == 0 else None

        try:
            answered = wait_until(
                answered_check,
                timeout_s=60,
                what=f"the worker to answer `{health_check}`; worker log:\n{worker.output()}",
                interval_s=0.5,
            )
            assert f"celery@{hostname}: OK" in answered.stdout and "pong" in answered.stdout
            # --destination names one node: another container's worker does not answer for this one.
            elsewhere = _run(
                [CELERY, "-A", f"{APP_MODULE}:app", "inspect", "ping", "--timeout", "1",
                 "--destination", "celery@another-container"],
                env, tmp_path,
            )
            assert elsewhere.returncode != 0 and "pong" not in elsewhere.stdout
        finally:
            worker.stop(wait_s=15)
