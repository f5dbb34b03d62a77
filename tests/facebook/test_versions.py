"""The Marketing API version lifecycle: the version table, the warning from 60 days before the
configured version ends (server start-up, dashboard, every job), the hard stop after it, and
Facebook's own #2635 for a retired version (the fake Graph API retires v24.0 and older)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from marketing_etl import cli
from marketing_etl.api.app import create_app
from marketing_etl.models import JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
from marketing_etl.settings import Settings, get_settings
from marketing_etl.sources.facebook import register
from marketing_etl.sources.facebook.versions import ENDS_ON, NEWEST, version_status
from marketing_etl.wiring import build_services
from tests.api.helpers import DASH_AUTH, make_settings
from tests.facebook.conftest import JobRunner
from tests.plugins import MemoryDestination

V25_ENDS = date(2027, 2, 23)
FIELDS = ["date_start", "account_id", "spend"]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 12, 24), None),  # 61 days before: nothing yet
        (date(2026, 12, 25), "stops working on 2027-02-23 (in 60 days)"),
        (date(2027, 2, 22), "stops working on 2027-02-23 (in 1 day)"),
        (date(2027, 2, 23), "stopped working on 2027-02-23"),
    ],
)
def test_v25_warns_from_60_days_before_its_end_and_stops_on_it(today: date, expected: str | None) -> None:
    status = version_status("v25.0", today)
    assert status.ends_on == V25_ENDS
    assert status.expired is (today >= V25_ENDS)
    if expected is None:
        assert status.message is None
    else:
        assert status.message is not None and expected in status.message
        assert "FACEBOOK_API_VERSION" in status.message and "v27.0" in status.message


def test_current_older_and_newer_versions() -> None:
    today = date(2026, 12, 7)
    assert version_status("v27.0", today).message is None  # no end date announced
    assert version_status("v28.0", today).message is None  # newer than the table knows
    assert version_status("v24.0", today).expired  # ended 2026-11-10
    assert version_status("v24", today).expired  # the settings accept the short spelling too
    old = version_status("v19.0", today)
    assert old.expired and old.message is not None and "no longer served" in old.message


def test_the_default_is_the_newest_version_in_the_table() -> None:
    assert NEWEST == max(ENDS_ON, key=lambda v: int(v[1:].split(".")[0])) == "v27.0"
    assert ENDS_ON[NEWEST] is None
    assert Settings(_env_file=None).facebook_api_version == NEWEST


def test_a_job_in_the_last_60_days_warns_and_runs(runner: JobRunner, graph: FakeGraph) -> None:
    spec = runner.spec("Account Daily Report", selected_fields=FIELDS, accounts=runner.accounts(1))
    outcome = runner.run(spec, today=date(2027, 1, 4), facebook_api_version="v25.0")
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    warning = "stops working on 2027-02-23 (in 50 days): set FACEBOOK_API_VERSION=v27.0"
    assert warning in outcome.job.message
    assert warning in outcome.logs()
    assert len(outcome.rows) == 4  # 2026-03-01 to 03-04, one account


def test_a_job_after_the_end_fails_before_calling_facebook(runner: JobRunner, graph: FakeGraph) -> None:
    spec = runner.spec("Account Daily Report", selected_fields=FIELDS)
    outcome = runner.run(spec, today=V25_ENDS, facebook_api_version="v25.0")
    assert outcome.status is JobStatus.FAILED
    assert "v25.0, which this server uses, stopped working on 2027-02-23" in outcome.job.message
    assert "FACEBOOK_API_VERSION is set to v27.0" in outcome.job.message
    assert graph.requests == []


def test_facebooks_2635_fails_the_job_at_once_naming_the_setting(runner: JobRunner, graph: FakeGraph) -> None:
    # Our table says v25.0 has days left; Facebook (the fake) has retired it already.
    graph.oldest_served = 26
    spec = runner.spec("Account Daily Report", selected_fields=FIELDS, accounts=runner.accounts(1))
    outcome = runner.run(spec, today=date(2027, 2, 1), facebook_api_version="v25.0")
    assert outcome.status is JobStatus.FAILED
    assert "Facebook no longer serves Marketing API v25.0" in outcome.job.message
    assert "Set FACEBOOK_API_VERSION=v27.0" in outcome.job.message
    assert len(graph.requests) == 1  # never retried


def test_the_fake_answers_2635_for_a_retired_version(runner: JobRunner, graph: FakeGraph) -> None:
    spec = runner.spec("Account Daily Report", selected_fields=FIELDS, accounts=runner.accounts(1))
    # A date on which our table still lets v24.0 run (9 days left), so the call reaches Facebook.
    outcome = runner.run(spec, today=date(2026, 11, 1), facebook_api_version="v24.0")
    assert outcome.status is JobStatus.FAILED
    assert "Facebook no longer serves Marketing API v24.0" in outcome.job.message
    assert [r.path for r in graph.requests] == [f"{spec.accounts[0].id}/insights"]


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[tuple[Plugins, Path]]:
    plugins = Plugins()
    register(plugins)
    plugins.destinations.register("sheets", MemoryDestination())
    yield plugins, tmp_path


@pytest.mark.parametrize(("version", "warned"), [("v24.0", True), (NEWEST, False)])
def test_the_dashboard_gets_the_warning_from_the_api(
    dashboard: tuple[Plugins, Path], version: str, warned: bool
) -> None:
    plugins, data_dir = dashboard
    services = build_services(make_settings(data_dir, facebook_api_version=version), plugins)
    try:
        with TestClient(create_app(services=services)) as client:
            answer = client.get("/api/dashboard/server", auth=DASH_AUTH).json()
    finally:
        services.close()
    if not warned:
        assert answer["warnings"] == []
        return
    [warning] = answer["warnings"]
    assert "v24.0, which this server uses, stopped working on 2026-11-10" in warning
    assert "FACEBOOK_API_VERSION is set to v27.0" in warning


def test_serve_prints_the_warning_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in {
        "FACEBOOK_API_VERSION": "v24.0",
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{(tmp_path / 'jobs.db').as_posix()}",
        "EXECUTOR": "local",
        "SECRET_KEY": "k" * 32,
        "DASHBOARD_USERNAME": "ops",
        "DASHBOARD_PASSWORD": "pw",
    }.items():
        monkeypatch.setenv(name, value)
    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append(app))
    get_settings.cache_clear()
    try:
        assert cli.main(["serve", "--port", "8999"]) == cli.EXIT_OK
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert len(served) == 1
    assert (
        "WARNING: Facebook's Marketing API v24.0, which this server uses, stopped working on 2026-11-10"
        in out
    )
    assert "FACEBOOK_API_VERSION is set to v27.0" in out
