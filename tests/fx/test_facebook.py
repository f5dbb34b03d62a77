"""A Facebook report of two ad accounts (USD and VND) from the fake Graph API, converted into VND:
each account's currency is read once (GET act_<id>?fields=currency,timezone_name)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from marketing_etl import transforms
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import Job, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.runner import run_job
from marketing_etl.sandbox.fakes.facebook_graph import TOKEN, FakeGraph
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook import FacebookSource
from marketing_etl.wiring import build_services
from tests.facebook.conftest import FAST
from tests.fakes.server import serve_app
from tests.fx.conftest import Servers
from tests.plugins import MemoryDestination

FIELDS = ["date_start", "account_id", "spend", "cpc", "ctr", "frequency"]
# 1 March 2026 is a Sunday: it takes Friday 27 February's rate.
RATES = {date(2026, 2, 27): 25_001.5, date(2026, 3, 2): 25_002.5, date(2026, 3, 3): 25_003.5}


@pytest.fixture
def facebook(tmp_path: Path, servers: Servers) -> Iterator[tuple[Services, FakeGraph, MemoryDestination]]:
    servers.fx.reset()
    for day, rate in RATES.items():
        servers.fx.set_rates(day, "usd", {"vnd": rate})
    graph = FakeGraph(World(accounts=2, campaigns=1, adsets=1, ads=1))  # account 1 USD, account 2 VND
    with serve_app(graph.app) as url:
        plugins = Plugins()
        plugins.sources.register(FacebookSource(FAST))
        destination = MemoryDestination()
        plugins.destinations.register("csv", destination)
        transforms.register(plugins)
        settings = Settings(
            _env_file=None, data_dir=tmp_path, secret_key="k" * 32, facebook_graph_url=url,
            fx_api_url=servers.fx_urls[0], fx_api_fallback_url="",
        )
        services = build_services(settings, plugins)
        yield services, graph, destination
        services.close()


def run(services: Services, graph: FakeGraph, job_id: str, **fields: Any) -> Job:
    spec = JobSpec(
        task_type="facebook_daily", job_id=job_id, start_date=date(2026, 3, 1), end_date=date(2026, 3, 3),
        user_email="ana@example.com", sheet_name="FB", destination="csv",
        accounts=[{"id": f"act_{a}"} for a in graph.world.accounts], template_name="Account Daily Report",
        selected_fields=FIELDS, **fields,
    )
    assert services.store.insert_job(Job(job_id=job_id, spec=spec, fingerprint=spec.fingerprint()),
                                     services.vault.encrypt(TOKEN))
    run_job(job_id, services.runner_deps())
    job = services.store.get_job(job_id)
    assert job is not None
    return job


def test_two_account_currencies_end_in_vnd(facebook: tuple[Services, FakeGraph, MemoryDestination]) -> None:
    services, graph, destination = facebook
    usd_account, vnd_account = (f"act_{a.id}" for a in graph.world.accounts.values())
    assert run(services, graph, "plain").status is JobStatus.SUCCESS
    assert not account_reads(graph)  # nothing to convert: no extra call
    graph.reset()
    job = run(services, graph, "in-vnd", target_currency="VND")
    assert job.status is JobStatus.SUCCESS, job.message
    assert sorted(c.path.rsplit("/", 1)[-1] for c in account_reads(graph)) == [usd_account, vnd_account]

    plain, converted = destination.tables["plain"], destination.tables["in-vnd"]
    assert converted[0] == [*FIELDS, "fx_rate", "fx_rate_date", "fx_source"]
    assert len(converted) == len(plain) > 2
    for before, after in zip(plain[1:], converted[1:], strict=True):
        day, account = before[0], before[1]
        assert after[:2] == [day, account]
        assert after[4:6] == before[4:6]  # ctr and frequency untouched
        if account == usd_account:
            published = day if day.weekday() < 5 else date(2026, 2, 27)
            rate = RATES[published]
            assert after[2:4] == [whole(before[2], rate), whole(before[3], rate)]
            assert after[6:] == [Decimal(repr(rate)), published, "fx-api"]
        else:
            assert account == vnd_account
            assert after[2:4] == [whole(before[2], 1), whole(before[3], 1)]
            assert after[6:] == [Decimal(1), None, "same-currency"]


def account_reads(graph: FakeGraph) -> list[Any]:
    return [c for c in graph.calls("GET") if c.params.get("fields") == "currency,timezone_name"]


def whole(amount: float, rate: float) -> int:
    return int((Decimal(repr(amount)) * Decimal(repr(rate))).quantize(Decimal(1), ROUND_HALF_UP))
