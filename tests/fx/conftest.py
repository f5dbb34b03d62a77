"""Jobs run by the real runner with the currency transform, against the fake FX API and the fake
Google Sheets API over loopback; the report comes from a table the test sets."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from marketing_etl import transforms
from marketing_etl.context import JobContext
from marketing_etl.contracts.plugins import FieldProblem
from marketing_etl.contracts.report import (
    AccountInfo,
    AccountInfoLookup,
    Column,
    Report,
    ReportDescription,
)
from marketing_etl.destinations.sheets import SheetsDestination, SheetsOptions
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import Job
from marketing_etl.plugins import Plugins
from marketing_etl.runner import run_job
from marketing_etl.sandbox.fakes.fx_api import FakeFx
from marketing_etl.sandbox.fakes.google_grid import FakeTab
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_services
from tests.fakes.fx_api import serve_fx
from tests.fakes.google_sheets import serve_google
from tests.plugins import StandInSource

EMAIL = "fx-writer@fake-project.iam.gserviceaccount.com"
SID = "1FxSpreadsheetId_0123456789abcdefgh"
TOKEN = "EAAB-fx-tests-token"
CONFIG_TAB = "[CONFIG] Currency Exchange"


@dataclass
class Servers:
    fx: FakeFx
    fx_urls: tuple[str, str]
    google: FakeGoogle
    key: Path


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    fx, google = FakeFx(), FakeGoogle()
    with serve_fx(fx) as urls, serve_google(google):
        yield Servers(fx, urls, google, google.key_file(tmp_path_factory.mktemp("fx-keys"), EMAIL))


@dataclass(frozen=True)
class Table:
    columns: Sequence[tuple[str, str]]
    rows: Sequence[Sequence[Any]]
    description: ReportDescription = field(default_factory=ReportDescription)


def known_currencies(currencies: dict[str, str]) -> AccountInfoLookup:
    """An account lookup as a source leaves it once it has read these accounts."""
    lookup = AccountInfoLookup()
    for account, currency in currencies.items():
        lookup.record(account, AccountInfo(currency, "UTC"))
    return lookup


class TableSource(StandInSource):
    """Serves the table the test set for the job, as a lazy stream with its description."""

    def __init__(self) -> None:
        super().__init__("facebook", ("facebook_daily", "product"))
        self.tables: dict[str, Table] = {}

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        return []  # the tables carry whatever the test needs

    def fetch(self, ctx: JobContext) -> Report:
        table = self.tables[ctx.job_id]
        rows = (list(row) for row in table.rows)
        return Report([Column(n, k) for n, k in table.columns], rows, table.description)


@dataclass
class Env:
    services: Services
    servers: Servers
    source: TableSource
    counter: list[int] = field(default_factory=lambda: [0])

    @property
    def fx(self) -> FakeFx:
        return self.servers.fx

    def sheet(self, tabs: dict[str, list[list[Any]]] | None = None) -> None:
        """The target spreadsheet, with extra tabs holding the given values."""
        book = self.servers.google.add_spreadsheet(SID, editors=[EMAIL])
        for title, values in (tabs or {}).items():
            tab = FakeTab(sheet_id=100 + len(book.tabs), title=title, rows=100, cols=10)
            for r, row in enumerate(values):
                for c, value in enumerate(row):
                    tab.put(r, c, value)
            book.tabs.append(tab)

    def run(self, table: Table, **spec: Any) -> Job:
        self.counter[0] += 1
        job_id = spec.pop("job_id", f"fx-{self.counter[0]}")
        values: dict[str, Any] = {
            "task_type": "facebook_daily", "job_id": job_id, "start_date": date(2024, 3, 1),
            "end_date": date(2024, 3, 31), "user_email": "ana@example.com", "spreadsheet_id": SID,
            "sheet_name": "Report", "accounts": [{"id": "act_1"}], "template_name": "table",
        }
        values.update(spec)
        job_spec = JobSpec(**values)
        self.source.tables[job_id] = table
        self.services.vault.put(job_id, TOKEN)
        job = Job(job_id=job_id, spec=job_spec, fingerprint=job_spec.fingerprint())
        assert self.services.store.insert_job(job)
        run_job(job_id, self.services.runner_deps())
        finished = self.services.store.get_job(job_id)
        assert finished is not None
        return finished

    def written(self, tab: str = "Report") -> list[list[Any]]:
        return self.servers.google.books[SID].tab(tab).values()

    def logs(self, job_id: str) -> str:
        return "\n".join(line.message for line in self.services.store.get_logs(job_id))

    def fx_calls(self, job_id: str) -> int:
        return sum(1 for call in self.services.store.get_api_calls(job_id) if call.platform == "fx")


def make_env(tmp_path: Path, servers: Servers, **overrides: Any) -> Iterator[Env]:
    primary, mirror = servers.fx_urls
    values: dict[str, Any] = {
        "data_dir": tmp_path, "job_lease_s": 5, "secret_key": "k" * 32,
        "google_credentials_path": servers.key, "google_sheets_api_url": servers.google.base_url,
        "sheets_writes_per_minute": 10_000, "sheets_max_wait_s": 2,
        "fx_api_url": primary, "fx_api_fallback_url": mirror,
    }
    values.update(overrides)
    plugins = Plugins()
    source = TableSource()
    plugins.sources.register(source)
    options = SheetsOptions(backoff_base_s=0.01, rng=random.Random(7))
    plugins.destinations.register("sheets", SheetsDestination(options))
    transforms.register(plugins)
    services = build_services(Settings(_env_file=None, **values), plugins)
    try:
        yield Env(services, servers, source)
    finally:
        services.close()


@pytest.fixture
def env(tmp_path: Path, servers: Servers) -> Iterator[Env]:
    servers.fx.reset()
    servers.google.reset()
    yield from make_env(tmp_path, servers)
