"""What the image does, without a Docker engine: the Dockerfile's own install command against
requirements.lock into a clean virtualenv, then `marketing-etl serve` from that virtualenv as an
unprivileged user, answering /healthz.

The packages come from the package index through pip's usual configuration; pip's cache makes
runs after the first quick (this test does not set PIP_NO_CACHE_DIR as the image does).
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.executors.support import subprocess_env
from tests.fakes.server import free_port
from tests.production.test_lock import LOCK, PROJECT, locked_versions, project

ROOT = Path(__file__).resolve().parents[2]
# What .dockerignore lets into the build context (a test below checks it says so).
BUILD_CONTEXT = ("pyproject.toml", "README.md", "requirements.lock", "marketing_etl")
UNPRIVILEGED = "nobody"


def dockerfile_install_command() -> str:
    """The command after `python -m venv /opt/venv &&` in the Dockerfile's RUN line."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    found = re.findall(r"^RUN python -m venv /opt/venv && (.+)$", dockerfile, flags=re.MULTILINE)
    assert len(found) == 1, "the Dockerfile installs in one `RUN python -m venv /opt/venv && ...` line"
    return str(found[0])


def test_the_build_context_is_what_dockerignore_lets_in() -> None:
    allowed = re.findall(r"^!(\S+?)/?$", (ROOT / ".dockerignore").read_text(), flags=re.MULTILINE)
    assert sorted(allowed) == sorted(BUILD_CONTEXT)


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """A directory the unprivileged user can reach (pytest's tmp_path is private to its owner)."""
    path = Path(tempfile.mkdtemp(prefix="marketing-etl-image-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _python_the_user_can_run() -> str:
    """A Python 3.11 the unprivileged user may execute: the one running the tests, or else the
    system's (an interpreter under root's home is out of that user's reach)."""
    candidates = [str(Path(sys.executable).resolve()), shutil.which("python3.11", path=os.defpath)]
    for python in filter(None, candidates):
        probe = subprocess.run(_as_unprivileged([python, "-c", "import venv"]), capture_output=True)
        if probe.returncode == 0:
            return python
    pytest.fail(f"no Python 3.11 that {UNPRIVILEGED} can run (tried {candidates}); install python3.11-venv")


def _as_unprivileged(command: list[str]) -> list[str]:
    """As root (CI), the user `nobody`, like the image's `USER app`; otherwise the current user,
    who is not root already."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", UNPRIVILEGED, "--", *command]


@pytest.mark.timeout(600)
def test_the_images_install_serves_healthz_as_an_unprivileged_user(world_readable_dir: Path) -> None:
    context = world_readable_dir / "src"
    context.mkdir()
    for name in BUILD_CONTEXT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, context / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, context / name)
    venv = world_readable_dir / "venv"
    install = dockerfile_install_command().replace("/opt/venv", str(venv))
    started = time.monotonic()
    # Docker builds with umask 022, so the image's files are readable by its `app` user.
    build = f'umask 022 && "{_python_the_user_can_run()}" -m venv "{venv}" && {install}'
    installed = subprocess.run(
        ["sh", "-c", build], cwd=context, capture_output=True, text=True, timeout=540,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert installed.returncode == 0, installed.stderr[-4000:]
    print(f"image install: {time.monotonic() - started:.0f} s")

    pip = str(venv / "bin" / "pip")
    listed = subprocess.run([pip, "list", "--format=json"], capture_output=True, text=True, check=True)
    listing = json.loads(listed.stdout)
    versions = {canonicalize_name(item["name"]): Version(item["version"]) for item in listing}
    pins = locked_versions(LOCK.read_text())
    off_lock = {name: versions.get(name) for name, pin in pins.items() if versions.get(name) != pin}
    assert off_lock == {}, "every locked package at its locked version"
    subprocess.run([pip, "check"], check=True, capture_output=True)

    marketing_etl = str(venv / "bin" / "marketing-etl")
    version = subprocess.run([marketing_etl, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"{PROJECT} {project()['version']}"
    _serve_and_check_health(marketing_etl, world_readable_dir)


def _serve_and_check_health(marketing_etl: str, workdir: Path) -> None:
    data_dir = workdir / "data"
    data_dir.mkdir()
    if os.geteuid() == 0:
        user = pwd.getpwnam(UNPRIVILEGED)
        os.chown(data_dir, user.pw_uid, user.pw_gid)
    port = free_port()
    env = subprocess_env(data_dir, HOST="127.0.0.1", PORT=str(port))
    # The installed package alone: not the source tree, nor the tests' plugins.
    for name in ("PYTHONPATH", "EXTRA_PLUGINS"):
        env.pop(name)
    log_path = workdir / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _as_unprivileged([marketing_etl, "serve"]), cwd=data_dir, env=env, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            health = _wait_for_health(f"http://127.0.0.1:{port}/healthz", process, log_path)
            assert health.status_code == 200 and health.json()["status"] == "ok", health.text
            assert process.poll() is None
            owners = {path.stat().st_uid for path in data_dir.iterdir()}
            assert owners == {os.geteuid() if os.geteuid() != 0 else pwd.getpwnam(UNPRIVILEGED).pw_uid}
        finally:
            process.terminate()
            process.wait(timeout=15)


def _wait_for_health(url: str, process: subprocess.Popen[bytes], log_path: Path) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"serve did not answer: {log_path.read_text()}") from None
            time.sleep(0.2)
