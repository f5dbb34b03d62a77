"""The fake Graph API (one server for the session, reset before each test) and a job runner."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from marketing_etl.job_spec import JobSpec
from marketing_etl.models import Job, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.ratelimit import LocalBudget
from marketing_etl.runner import run_job
from marketing_etl.sandbox.fakes.facebook_graph import TOKEN, FakeGraph
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook import FacebookSource
from marketing_etl.sources.facebook.throttle import FacebookTuning
from marketing_etl.wiring import build_services
from tests.fakes.server import serve_app
from tests.plugins import MemoryDestination

# Production waits shrunk: a Facebook "minute" of rate-limit wait lasts 20 ms here.
FAST = FacebookTuning(
    seconds_per_minute=0.02,
    transient_base_s=0.01,
    transient_cap_s=0.05,
    poll_first_s=0.01,
    poll_max_s=0.02,
    async_timeout_s=5.0,
)


@pytest.fixture(scope="session")
def world() -> World:
    return World(accounts=2, campaigns=2, adsets=2, ads=3)


@pytest.fixture(scope="session")
def graph_server(world: World) -> Iterator[tuple[FakeGraph, str]]:
    graph = FakeGraph(world)
    with serve_app(graph.app) as url:
        yield graph, url


@pytest.fixture
def graph(graph_server: tuple[FakeGraph, str]) -> FakeGraph:
    graph_server[0].reset()
    return graph_server[0]


@dataclass
class Outcome:
    status: JobStatus | None
    job: Job
    table: list[list[Any]]
    services: Services

    @property
    def header(self) -> list[Any]:
        return self.table[0] if self.table else []

    @property
    def rows(self) -> list[list[Any]]:
        return self.table[1:]

    def logs(self) -> str:
        return "\n".join(line.message for line in self.services.store.get_logs(self.job.job_id))


class JobRunner:
    def __init__(self, tmp_path: Path, url: str, world: World) -> None:
        self._tmp_path = tmp_path
        self._url = url
        self._world = world
        self._count = 0
        self._opened: list[Services] = []
        # Facebook's daily allowances as this test's jobs count them (never shared between tests)
        self.allowances = LocalBudget()

    def accounts(self, count: int | None = None) -> list[dict[str, str]]:
        found = list(self._world.accounts.values())[:count]
        return [{"id": f"act_{a.id}", "name": f"{a.name} (job)"} for a in found]

    def spec(self, template: str, **overrides: Any) -> JobSpec:
        self._count += 1
        values: dict[str, Any] = {
            "task_type": "facebook_daily",
            "job_id": f"fb-{self._count}",
            "start_date": "2026-03-01",
            "end_date": "2026-03-04",
            "user_email": "ana@example.com",
            "sheet_name": "FB",
            "spreadsheet_id": "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",
            "accounts": self.accounts(),
            "template_name": template,
        }
        values.update(overrides)
        return JobSpec.model_validate(values)

    def run(
        self,
        spec: JobSpec,
        *,
        token: str = TOKEN,
        tuning: FacebookTuning = FAST,
        today: date | None = None,
        **settings: Any,
    ) -> Outcome:
        services = self.services(tuning, today=today, **settings)
        self._insert(services, spec, token)
        status = run_job(spec.job_id, services.runner_deps())
        return self.outcome(services, spec.job_id, status)

    def start(self, services: Services, spec: JobSpec, result: list[JobStatus | None]) -> threading.Thread:
        """Run the job in a thread (to cancel it meanwhile); its final status lands in `result`."""
        self._insert(services, spec, TOKEN)
        worker = threading.Thread(target=lambda: result.append(run_job(spec.job_id, services.runner_deps())))
        worker.start()
        return worker

    @staticmethod
    def _insert(services: Services, spec: JobSpec, token: str) -> None:
        job = Job(job_id=spec.job_id, spec=spec, fingerprint=spec.fingerprint())
        assert services.store.insert_job(job, services.vault.encrypt(token))

    def services(
        self, tuning: FacebookTuning = FAST, *, today: date | None = None, **settings: Any
    ) -> Services:
        """`today`: the date the source checks FACEBOOK_API_VERSION against (default: the real one)."""
        values: dict[str, Any] = {
            "data_dir": self._tmp_path,
            "secret_key": "k" * 32,
            "job_lease_s": 30,
            "facebook_graph_url": self._url,
            "facebook_page_size": 7,
            # These tests count and inspect the report's own requests; tests/totals turns the
            # totals check (one more insights call per account) on.
            "totals_check": False,
        }
        values.update(settings)
        plugins = Plugins()
        plugins.sources.register(
            FacebookSource(tuning, today=None if today is None else _on(today), allowances=self.allowances)
        )
        plugins.destinations.register("sheets", MemoryDestination())
        services = build_services(Settings(_env_file=None, **values), plugins)
        self._opened.append(services)
        return services

    def outcome(self, services: Services, job_id: str, status: JobStatus | None) -> Outcome:
        job = services.store.get_job(job_id)
        assert job is not None
        dest = services.plugins.destinations.get("sheets")
        assert isinstance(dest, MemoryDestination)
        return Outcome(status, job, dest.tables.get(job_id, []), services)

    def close(self) -> None:
        for services in self._opened:
            services.close()


def _on(day: date) -> Callable[[], date]:
    return lambda: day


@pytest.fixture
def runner(
    tmp_path: Path, graph: FakeGraph, graph_server: tuple[FakeGraph, str], world: World
) -> Iterator[JobRunner]:
    jobs = JobRunner(tmp_path, graph_server[1], world)
    yield jobs
    jobs.close()
