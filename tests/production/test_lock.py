"""requirements.lock against pyproject.toml, and exact versions for every image: what makes a
rebuild next year install what was tested this year."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
PROJECT = "marketing-etl"
# Linux and the image's Python: where the lock is used.
MARKER_ENV = {"python_version": "3.11", "python_full_version": "3.11.11", "sys_platform": "linux",
              "platform_system": "Linux", "os_name": "posix"}
# An exact version has every part of the image's versioning scheme: PostgreSQL's has two
# (16.6), the others three; `latest`, a bare major or a major.minor line moves.
VERSION_PARTS = {"postgres": 2}


def is_exact(image: str) -> bool:
    name, _, tag = image.rpartition(":")
    parts = VERSION_PARTS.get(name, 3)
    return re.fullmatch(r"\d+" + r"\.\d+" * (parts - 1) + r"(-[a-z0-9.]+)*", tag) is not None


def project() -> dict[str, Any]:
    loaded: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return loaded


def locked_versions(text: str) -> dict[NormalizedName, Version]:
    pins = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", text, flags=re.MULTILINE)
    return {canonicalize_name(name): Version(version) for name, version in pins}


def requirements_of(extra: str) -> list[Requirement]:
    """The project's own dependencies plus an extra's, following the extras that name the
    project itself (`all` = postgres, mongo, celery, monitoring)."""
    meta = project()
    found = [Requirement(line) for line in meta["dependencies"]]
    pending, seen = [extra], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        for line in meta["optional-dependencies"][name]:
            requirement = Requirement(line)
            if canonicalize_name(requirement.name) == PROJECT:
                pending.extend(requirement.extras)
            else:
                found.append(requirement)
    return [r for r in found if r.marker is None or r.marker.evaluate(MARKER_ENV)]


def unsatisfied(requirements: list[Requirement], pins: dict[NormalizedName, Version]) -> list[str]:
    problems = []
    for requirement in requirements:
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement}: not in the lock")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement}: the lock has {pinned}")
    return problems


def test_the_lock_pins_every_dependency_of_the_image_within_pyproject() -> None:
    requirements = requirements_of("all")
    assert {"fastapi", "celery", "flower", "psycopg", "pymongo"} <= {r.name for r in requirements}
    assert unsatisfied(requirements, locked_versions(LOCK.read_text())) == [], "run `make lock`"


def test_the_check_finds_a_missing_or_outdated_pin() -> None:
    pins = locked_versions("fastapi==0.115.0\ncelery==4.4.7\n")
    problems = unsatisfied([Requirement("fastapi>=0.115,<1"), Requirement("celery[redis]>=5.4,<6"),
                            Requirement("pymongo>=4.6")], pins)
    assert problems == ["celery[redis]<6,>=5.4: the lock has 4.4.7", "pymongo>=4.6: not in the lock"]


def test_the_lock_names_no_index_host_or_local_path() -> None:
    text = LOCK.read_text()
    assert not re.search(r"^\s*-", text, flags=re.MULTILINE)  # no --index-url, --find-links, -e
    assert "://" not in text and "/work" not in text
    assert re.search(rf"^{PROJECT}\b", text, flags=re.MULTILINE) is None  # the source, not a pin


def _images() -> dict[str, str]:
    """Every image the Dockerfile builds from and compose runs, by where it is named."""
    froms = re.findall(r"^FROM\s+(\S+)", (ROOT / "Dockerfile").read_text(), flags=re.MULTILINE)
    images = {f"Dockerfile FROM #{i}": image for i, image in enumerate(froms)}
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    images.update({f"compose {name}": str(s["image"]) for name, s in services.items() if "image" in s})
    return images


def test_every_image_is_an_exact_version() -> None:
    images = _images()
    assert len(images) >= 8
    floating = {where: image for where, image in images.items() if not is_exact(image)}
    assert floating == {}
    # Our own image carries the version of the package it holds.
    assert images["compose api"] == f"{PROJECT}:{project()['version']}"
    assert is_exact("python:3.11.11-slim-bookworm") and is_exact("postgres:16.6-alpine")
    moving = ("app:latest", "redis:7-alpine", "postgres:16-alpine", "nginx:1.27", "python:3.11-slim", "mongo")
    assert not any(is_exact(image) for image in moving)
