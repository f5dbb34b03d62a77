"""API tests run against a real store (SQLite in tmp_path, or PostgreSQL) and the LocalExecutor.

The environment is cleared of every setting, so a developer's API_KEYS, REDIS_URL or
DATABASE_URL can never change what these tests see.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from marketing_etl.settings import Settings
from tests.api.helpers import Api, make_settings, running_api
from tests.services import postgres_schema


@pytest.fixture(autouse=True)
def _no_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """'sqlite' unless a test parametrizes it (indirect) with 'postgres'."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def settings(backend: str, tmp_path: Path) -> Iterator[Settings]:
    if backend == "postgres":
        with postgres_schema() as url:
            yield make_settings(tmp_path, database_url=url)
    else:
        yield make_settings(tmp_path)


@pytest.fixture
def api(settings: Settings) -> Iterator[Api]:
    with running_api(settings) as running:
        yield running
