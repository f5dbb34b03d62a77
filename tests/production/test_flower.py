"""Flower, started as docker-compose.yml's flower service starts it (`celery -A ... flower`), and
reached through the deploy nginx configuration, behind the dashboard's login."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.executors.support import PROJECT_ROOT, subprocess_env
from tests.fakes.server import free_port
from tests.production.nginx_rig import add_user, nginx_in_front
from tests.services import port_open, redis_database

pytestmark = pytest.mark.redis

LOGIN = ("ops", "correct horse battery")


def _compose_flower_command() -> list[str]:
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    flower = compose["services"]["flower"]
    assert flower["profiles"] == ["monitoring"]
    return [str(part) for part in flower["command"]]


@pytest.fixture
def flower_url(tmp_path: Path) -> Iterator[str]:
    command = _compose_flower_command()
    assert command[0] == "celery" and "--port=5555" in command
    port = free_port()
    args = [str(Path(sys.executable).parent / "celery"), *command[1:]]
    args[args.index("--port=5555")] = f"--port={port}"
    with redis_database() as broker, (tmp_path / "flower.log").open("wb") as log:
        env = subprocess_env(tmp_path, REDIS_URL=broker)
        process = subprocess.Popen(
            [*args, "--address=127.0.0.1"], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 30
            while not port_open("127.0.0.1", port, 0.2):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"Flower did not start: {(tmp_path / 'flower.log').read_text()}")
                time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=15)


def test_flower_is_behind_the_login(tmp_path: Path, flower_url: str) -> None:
    htpasswd = tmp_path / ".htpasswd"
    add_user(htpasswd, *LOGIN)
    # No app behind / here: only /flower/ is exercised.
    with (
        nginx_in_front("http://127.0.0.1:9", htpasswd, tmp_path / "nginx", flower_url) as url,
        httpx.Client(base_url=url, timeout=10) as http,
    ):
        for path in ("/flower/", "/flower/workers", "/flower/healthcheck"):
            assert http.get(path).status_code == 401, path
            assert http.get(path, auth=(LOGIN[0], "wrong")).status_code == 401, path
        assert http.get("/flower/healthcheck", auth=LOGIN).text == "OK"
        page = http.get("/flower/", auth=LOGIN)
        assert page.status_code == 200 and 'id="workers-online"' in page.text  # the workers page
        # Flower writes its links under the prefix nginx routes to it.
        assert 'href="/flower/static/css/bootstrap.min.css' in page.text
        assert http.get("/flower/static/css/bootstrap.min.css", auth=LOGIN).status_code == 200


def test_without_flower_running_nginx_still_starts(tmp_path: Path) -> None:
    htpasswd = tmp_path / ".htpasswd"
    add_user(htpasswd, *LOGIN)
    nothing_listens = f"http://127.0.0.1:{free_port()}"
    with (
        nginx_in_front("http://127.0.0.1:9", htpasswd, tmp_path / "nginx", nothing_listens) as url,
        httpx.Client(base_url=url, timeout=10) as http,
    ):
        assert http.get("/flower/").status_code == 401
        assert http.get("/flower/", auth=LOGIN).status_code == 502
