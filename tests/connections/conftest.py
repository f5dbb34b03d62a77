"""The real app on loopback with the fake Graph API, TikTok API and Google Sheets, each over real
HTTP; the store is SQLite in tmp_path. The environment is cleared of every setting."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from marketing_etl.api.app import create_app
from marketing_etl.sandbox.demo_data import tiktok_dataset
from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
from marketing_etl.sandbox.fakes.facebook_identity import Identity
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from marketing_etl.sandbox.fakes.tiktok_api import PREFIX, FakeTikTok
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_services
from tests.api.helpers import DASH_AUTH, make_settings
from tests.fakes.google_sheets import serve_google
from tests.fakes.server import serve_app

TIKTOK_TOKEN = "tiktok-connection-token-0123456789"
SERVICE_EMAIL = "connections-writer@fake-project.iam.gserviceaccount.com"
SHARED_SHEET = "1SharedSpreadsheetForConnections00"
UNSHARED_SHEET = "1UnsharedSpreadsheetForConnections0"
ACCOUNTS = 7


@pytest.fixture(autouse=True)
def _no_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


@dataclass
class Fakes:
    graph: FakeGraph
    graph_url: str
    tiktok: FakeTikTok
    tiktok_url: str
    google: FakeGoogle
    key_path: Path


@pytest.fixture(scope="session")
def fakes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fakes]:
    graph = FakeGraph(World(accounts=ACCOUNTS, campaigns=1, adsets=1, ads=2))
    tiktok = FakeTikTok(tiktok_dataset(date(2026, 1, 1), date(2026, 1, 31)), TIKTOK_TOKEN)
    google = FakeGoogle(quota_per_minute=10_000)
    with serve_app(graph.app) as graph_url, serve_app(tiktok.app) as tiktok_url, serve_google(google):
        key = google.key_file(tmp_path_factory.mktemp("google"), SERVICE_EMAIL)
        yield Fakes(graph, graph_url, tiktok, tiktok_url + PREFIX, google, key)


@dataclass
class Server:
    http: httpx.Client
    services: Services
    fakes: Fakes

    def dashboard(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"X-Dashboard": "1", **kwargs.pop("headers", {})}
        return self.http.request(method, "/api/dashboard" + path, auth=DASH_AUTH, headers=headers, **kwargs)


def server_settings(tmp_path: Path, fakes: Fakes, **overrides: Any) -> Settings:
    return make_settings(
        tmp_path,
        facebook_graph_url=fakes.graph_url,
        tiktok_api_url=fakes.tiktok_url,
        google_credentials_path=fakes.key_path,
        google_sheets_api_url=fakes.google.base_url,
        tiktok_app_id="7000000000001",
        tiktok_app_secret="app-secret-for-tests",
        **overrides,
    )


@pytest.fixture
def server(tmp_path: Path, fakes: Fakes) -> Iterator[Server]:
    fakes.graph.reset()
    fakes.graph.identity = Identity()
    fakes.google.reset()
    fakes.google.add_spreadsheet(SHARED_SHEET, editors=[SERVICE_EMAIL])
    fakes.google.add_spreadsheet(UNSHARED_SHEET, editors=["someone-else@example.com"])
    yield from serving(server_settings(tmp_path, fakes), fakes)


def serving(settings: Settings, fakes: Fakes) -> Iterator[Server]:
    services = build_services(settings)
    app = create_app(settings, services=services)
    try:
        with (
            serve_app(app, lifespan="on", graceful_shutdown_s=1) as url,
            httpx.Client(base_url=url, timeout=60) as http,
        ):
            yield Server(http, services, fakes)
    finally:
        services.close()
