"""The sandbox cannot be switched on by accident next to production services, keeps its data
apart, and relaxes nothing outside sandbox mode."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from marketing_etl import cli
from marketing_etl.job_spec import JobRequest
from marketing_etl.plugins import Plugins
from marketing_etl.settings import Settings
from marketing_etl.sources import tiktok
from marketing_etl.validation import validate_request

SHARED = [
    {"database_url": "postgresql://etl@db.internal/etl"},
    {"database_url": "mongodb://mongo.internal:27017/etl"},
    {"mongo_uri": "mongodb://mongo.internal:27017/"},
    {"redis_url": "redis://redis.internal:6379/0"},
    {"redis_host": "redis.internal"},
]


def _settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **values)


@pytest.mark.parametrize("shared", SHARED, ids=lambda s: next(iter(s)))
def test_refused_next_to_a_shared_store_or_redis(tmp_path: Path, shared: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="SANDBOX_FORCE=1"):
        _settings(tmp_path, sandbox=True, **shared)


@pytest.mark.parametrize("shared", SHARED, ids=lambda s: next(iter(s)))
def test_sandbox_force_allows_it(tmp_path: Path, shared: dict[str, str]) -> None:
    assert _settings(tmp_path, sandbox=True, sandbox_force=True, **shared).sandbox


def test_the_same_services_without_sandbox_are_fine(tmp_path: Path) -> None:
    assert not _settings(tmp_path, database_url="postgresql://etl@db.internal/etl").sandbox


def test_sandbox_data_lives_apart(tmp_path: Path) -> None:
    settings = _settings(tmp_path, sandbox=True)
    assert settings.data_dir == tmp_path / "sandbox"
    assert settings.resolved_database_url.endswith("/sandbox/marketing_etl.db")


def test_serve_refuses_to_start(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SANDBOX", "0")  # restored afterwards, whatever --sandbox sets
    monkeypatch.setenv("DATABASE_URL", "postgresql://etl@db.internal/etl")
    assert cli.main(["serve", "--sandbox"]) == cli.EXIT_USAGE
    assert "SANDBOX=1 serves simulated" in capsys.readouterr().err


@pytest.mark.parametrize("sandbox", [True, False])
def test_short_spreadsheet_ids_only_in_the_sandbox(tmp_path: Path, sandbox: bool) -> None:
    body = JobRequest.model_validate(
        {
            "task_type": "product", "job_id": "j1", "access_token": "t", "start_date": "2023-10-01",
            "end_date": "2023-10-07", "user_email": "a@example.com", "spreadsheet_id": "demo",
            "sheet_name": "T", "advertiser_id": "1", "store_id": "2",
        }
    )  # fmt: skip
    plugins = Plugins()
    tiktok.register(plugins)
    problems = validate_request(body, plugins, date(2026, 11, 26), _settings(tmp_path, sandbox=sandbox))
    assert [p.field for p in problems] == ([] if sandbox else ["spreadsheet_id"])
