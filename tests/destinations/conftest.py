"""Jobs run by the real runner on SQLite, writing to the fake Google Sheets API over loopback."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from marketing_etl import jobs
from marketing_etl.context import JobContext
from marketing_etl.contracts.report import Column, Report
from marketing_etl.destinations.files import FileDestination
from marketing_etl.destinations.sheets import SheetsDestination, SheetsOptions
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import ApiCall, Job, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.runner import run_job
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle, Fault
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_services
from tests.fakes.google_sheets import serve_google
from tests.plugins import HeldExecutor, ScriptedSource, StandInSource

EMAIL = "report-writer@fake-project.iam.gserviceaccount.com"
SID = "1FakeSpreadsheetId_0123456789abcdef"
TOKEN = "EAAB-destination-tests-token"

ReportFactory = Callable[[], Report]


@pytest.fixture(scope="session")
def google_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FakeGoogle, Path]]:
    google = FakeGoogle()
    with serve_google(google):
        key = google.key_file(tmp_path_factory.mktemp("google-keys"), EMAIL)
        yield google, key


@pytest.fixture
def google(google_server: tuple[FakeGoogle, Path]) -> FakeGoogle:
    fake, _ = google_server
    fake.reset()
    return fake


class TableSource(StandInSource):
    """Serves the report a test set for the job; a factory, so a retry gets a fresh stream."""

    def __init__(self) -> None:
        super().__init__("facebook", ("facebook_daily",))
        self.reports: dict[str, ReportFactory] = {}
        self.scripted = ScriptedSource()

    def fetch(self, ctx: JobContext) -> Report:
        ctx.record_api_call(ApiCall(job_id=ctx.job_id, platform="test", endpoint="/rows", duration_ms=1))
        factory = self.reports.get(ctx.job_id)
        return factory() if factory else self.scripted.fetch(ctx)


def table(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> ReportFactory:
    def make() -> Report:
        return Report([Column(n, k) for n, k in columns], iter([list(r) for r in rows]))

    return make


@dataclass
class Env:
    services: Services
    google: FakeGoogle
    source: TableSource
    key: Path
    counter: list[int] = field(default_factory=lambda: [0])

    def queue(self, report: ReportFactory | None = None, **spec: Any) -> str:
        self.counter[0] += 1
        job_id = spec.pop("job_id", f"dest-{self.counter[0]}")
        values: dict[str, Any] = {
            "task_type": "facebook_daily", "job_id": job_id, "start_date": date(2026, 10, 1),
            "end_date": date(2026, 10, 2), "user_email": "ana@example.com", "spreadsheet_id": SID,
            "sheet_name": "Report", "accounts": [{"id": "act_1"}], "template_name": "rows=3",
        }
        values.update(spec)
        job_spec = JobSpec(**values)
        if report is not None:
            self.source.reports[job_id] = report
        self.services.vault.put(job_id, TOKEN)
        job = Job(job_id=job_id, spec=job_spec, fingerprint=job_spec.fingerprint())
        assert self.services.store.insert_job(job)
        return str(job_id)

    def run(self, job_id: str) -> Job:
        run_job(job_id, self.services.runner_deps())
        job = self.services.store.get_job(job_id)
        assert job is not None
        return job

    def retry(self, job_id: str) -> Job:
        jobs.retry_job(self.services, HeldExecutor(), job_id, None)  # raises unless queued again
        return self.run(job_id)

    def logs(self, job_id: str) -> str:
        return "\n".join(line.message for line in self.services.store.get_logs(job_id))


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path, "job_lease_s": 5, "secret_key": "k" * 32,
        "sheets_writes_per_minute": 10_000, "sheets_max_wait_s": 2,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def make_env(
    tmp_path: Path, google_server: tuple[FakeGoogle, Path], options: SheetsOptions | None = None,
    **overrides: Any,
) -> Iterator[Env]:
    google, key = google_server
    settings = make_settings(
        tmp_path, google_credentials_path=key, google_sheets_api_url=google.base_url, **overrides
    )
    plugins = Plugins()
    source = TableSource()
    plugins.sources.register(source)
    opts = options or SheetsOptions(backoff_base_s=0.01, rng=random.Random(7))
    plugins.destinations.register("sheets", SheetsDestination(opts))
    plugins.destinations.register("csv", FileDestination("csv"))
    plugins.destinations.register("xlsx", FileDestination("xlsx"))
    services = build_services(settings, plugins)
    try:
        yield Env(services, google, source, key)
    finally:
        services.close()


@pytest.fixture
def env(tmp_path: Path, google_server: tuple[FakeGoogle, Path], google: FakeGoogle) -> Iterator[Env]:
    yield from make_env(tmp_path, google_server)


@pytest.fixture
def chunked(tmp_path: Path, google_server: tuple[FakeGoogle, Path], google: FakeGoogle) -> Iterator[Env]:
    """Small chunks (about 1 kB), so a report of a hundred rows takes several writes; no waiting
    on Sheets errors, so an injected fault fails the job at once."""
    options = SheetsOptions(chunk_bytes=1_000, backoff_base_s=0.01, rng=random.Random(5))
    yield from make_env(tmp_path, google_server, options, sheets_max_wait_s=0)


def fail_midway(
    env: Env, google: FakeGoogle, report: ReportFactory, rows: int, **spec: Any
) -> tuple[str, int]:
    """Run a job whose writes fail after the first two chunks; its id and the rows it wrote."""
    google.inject(Fault(500, kind="values.batchUpdate", after=2, times=-1))
    job_id = env.queue(report, **spec)
    failed = env.run(job_id)
    assert failed.status is JobStatus.FAILED
    assert 0 < failed.rows_written < rows
    google.clear_faults()
    return job_id, failed.rows_written
