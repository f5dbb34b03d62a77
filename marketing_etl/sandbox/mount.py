"""Building the sandbox (demo data, fakes, the service-account key) and mounting it under
/sandbox of the API app, so one process serves the product and the platforms it talks to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route

from marketing_etl.sandbox.config import MOUNT_PATH, SERVICE_ACCOUNT_EMAIL, sandbox_origin
from marketing_etl.sandbox.demo_data import facebook_world, fill_rates, tiktok_dataset
from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
from marketing_etl.sandbox.fakes.fx_api import FakeFx
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from marketing_etl.sandbox.fakes.tiktok_api import FakeTikTok
from marketing_etl.sandbox.magic import Behaviour
from marketing_etl.sandbox.platforms import AtRoot, SpreadsheetsOnDemand, facebook_app, tiktok_app
from marketing_etl.sandbox.viewer import SheetViewer
from marketing_etl.settings import Settings
from marketing_etl.validation import MAX_RANGE_MONTHS, months_before

# TikTok and exchange-rate data start here (the seed README's examples ask for October 2023),
# or earlier, so that the longest range create-job accepts ending today has data throughout.
DATA_FROM = date(2023, 1, 1)
# Google's default per-user quota; the sandbox's project has room for SHEETS_WRITES_PER_MINUTE.
GOOGLE_DEFAULT_QUOTA = 60


@dataclass
class Sandbox:
    google: FakeGoogle
    fx: FakeFx
    graphs: dict[Behaviour, FakeGraph]
    tiktoks: dict[Behaviour, FakeTikTok]
    app: Starlette


def build_sandbox(settings: Settings, today: date) -> Sandbox:
    """`settings` are the sandboxed ones (config.sandboxed): the key file goes where they say."""
    first, last = min(DATA_FROM, months_before(today, MAX_RANGE_MONTHS)), today + timedelta(days=1)
    facebook, graphs = facebook_app(facebook_world())
    tiktok, tiktoks = tiktok_app(tiktok_dataset(first, last))
    google = FakeGoogle(quota_per_minute=max(GOOGLE_DEFAULT_QUOTA, settings.sheets_writes_per_minute + 5))
    google.base_url = f"{sandbox_origin(settings)}{MOUNT_PATH}/google"
    # A new key at every start: the simulated token server keeps its public keys in memory.
    key_dir = settings.google_credentials_path.parent
    key_dir.mkdir(parents=True, exist_ok=True)
    google.key_file(key_dir, SERVICE_ACCOUNT_EMAIL).chmod(0o600)
    fx = FakeFx()
    fill_rates(fx, first, last)
    routes = [
        Route("/", lambda request: RedirectResponse(f"{MOUNT_PATH}/sheets")),
        *SheetViewer(google).routes(),
        Mount("/facebook", app=facebook),
        Mount("/tiktok", app=tiktok),
        Mount("/google", app=SpreadsheetsOnDemand(google, SERVICE_ACCOUNT_EMAIL)),
        Mount("/fx", app=AtRoot(fx.app())),
    ]
    return Sandbox(google, fx, graphs, tiktoks, Starlette(routes=routes))


def mount_sandbox(app: FastAPI, settings: Settings, today: date) -> Sandbox:
    sandbox = build_sandbox(settings, today)
    app.state.sandbox = sandbox
    app.mount(MOUNT_PATH, sandbox.app)
    return sandbox
