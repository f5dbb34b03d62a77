"""A served fake TikTok API and a job runner wired to it with the real TikTok sources."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from marketing_etl.http import Backoff
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import ApiCall, Job, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.runner import run_job
from marketing_etl.sandbox.fakes.tiktok_api import FakeTikTok
from marketing_etl.sandbox.fakes.tiktok_data import Dataset
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.sources.tiktok.client import DEFAULT_TIMEOUT
from marketing_etl.sources.tiktok.source import TikTokReportSource
from marketing_etl.wiring import build_services
from tests.fakes.server import serve_app
from tests.plugins import MemoryDestination
from tests.tiktok import data

TOKEN = "tt-secret-access-token-0123456789abcdef"
FAST_RETRY = Backoff(first_s=0.01, cap_s=0.05, max_attempts=4)


@dataclass
class Harness:
    fake: FakeTikTok
    base_url: str
    tmp_path: Path
    destination: MemoryDestination
    services: Services | None = None

    def start(
        self, retry: Backoff = FAST_RETRY, timeout: httpx.Timeout = DEFAULT_TIMEOUT, **settings: Any
    ) -> Services:
        """Services whose product/creative sources talk to the fake. The call budget is set
        high unless a test sets it, so tests never wait on each other's calls."""
        values: dict[str, Any] = {
            "data_dir": self.tmp_path,
            "secret_key": "k" * 32,
            "job_lease_s": 30,
            "tiktok_api_url": f"{self.base_url}/open_api/v1.3",
            "tiktok_max_qps": 10_000.0,
            "tiktok_max_qpm": 1_000_000,
        }
        values.update(settings)
        plugins = Plugins()
        for task in ("product", "creative"):
            plugins.sources.register(TikTokReportSource(task, retry=retry, timeout=timeout))
        plugins.destinations.register("sheets", self.destination)
        self.services = build_services(Settings(_env_file=None, **values), plugins)
        return self.services

    def queue(self, job_id: str, task: str = "product", token: str | None = TOKEN, **fields: Any) -> Job:
        assert self.services is not None
        values: dict[str, Any] = {
            "task_type": task,
            "job_id": job_id,
            "start_date": data.OCT1,
            "end_date": date(2026, 10, 2),
            "user_email": "ana@example.com",
            "spreadsheet_id": "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",
            "sheet_name": "GMV",
            "advertiser_id": self.fake.data.advertiser_id,
            "store_id": self.fake.data.store_id,
            "advertiser_name": "Ana's Ads",
        }
        values.update(fields)
        spec = JobSpec(**values)
        if token:
            self.services.vault.put(job_id, token)
        job = Job(job_id=job_id, spec=spec, fingerprint=spec.fingerprint())
        assert self.services.store.insert_job(job)
        return job

    def run(self, job_id: str, task: str = "product", **fields: Any) -> JobStatus | None:
        assert self.services is not None
        self.queue(job_id, task, **fields)
        return run_job(job_id, self.services.runner_deps())

    def job(self, job_id: str) -> Job:
        assert self.services is not None
        job = self.services.store.get_job(job_id)
        assert job is not None
        return job

    def table(self, job_id: str) -> list[list[Any]]:
        return self.destination.tables[job_id]

    def api_calls(self, job_id: str) -> list[ApiCall]:
        assert self.services is not None
        return self.services.store.get_api_calls(job_id)

    def logs(self, job_id: str) -> str:
        assert self.services is not None
        return "\n".join(line.message for line in self.services.store.get_logs(job_id))


def serve(tmp_path: Path, dataset: Dataset, **fake_options: Any) -> Iterator[Harness]:
    fake = FakeTikTok(dataset, TOKEN, **fake_options)
    with serve_app(fake.app) as base_url:
        harness = Harness(fake, base_url, tmp_path, MemoryDestination())
        yield harness
        if harness.services is not None:
            harness.services.close()


@pytest.fixture
def tiktok(tmp_path: Path) -> Iterator[Harness]:
    yield from serve(tmp_path, data.small())
