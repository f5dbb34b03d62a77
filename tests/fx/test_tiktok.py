"""A TikTok product report from the fake TikTok API, converted into VND day by day: the
source's report description names the day (stat_time_day) and the currency column."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from marketing_etl import transforms
from marketing_etl.models import JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.sandbox.fakes.tiktok_api import FakeTikTok
from marketing_etl.sources.tiktok.source import TikTokReportSource
from tests.fakes.server import serve_app
from tests.fx.conftest import Servers
from tests.plugins import MemoryDestination
from tests.tiktok import data
from tests.tiktok.conftest import FAST_RETRY, TOKEN, Harness

RATES = {data.OCT1: 25_000.5, data.OCT2: 25_100.25}


@pytest.fixture
def harness(tmp_path: Path, servers: Servers) -> Iterator[Harness]:
    servers.fx.reset()
    for day, rate in RATES.items():
        servers.fx.set_rates(day, "usd", {"vnd": rate})
    fake = FakeTikTok(data.small(), TOKEN)
    with serve_app(fake.app) as base_url:
        harness = Harness(fake, base_url, tmp_path, MemoryDestination())
        harness.start(FAST_RETRY, fx_api_url=servers.fx_urls[0], fx_api_fallback_url="")
        assert harness.services is not None
        plugins = Plugins()
        plugins.sources.register(TikTokReportSource("product", retry=FAST_RETRY))
        plugins.destinations.register("csv", harness.destination)
        transforms.register(plugins)
        harness.services.plugins = plugins
        yield harness
        harness.services.close()


def vnd(usd: float, rate: float) -> int:
    return int((Decimal(repr(usd)) * Decimal(repr(rate))).quantize(Decimal(1), ROUND_HALF_UP))


def column(table: list[list[Any]], name: str) -> list[Any]:
    index = table[0].index(name)
    return [row[index] for row in table[1:]]


def test_product_rows_are_converted_at_their_days_rate(harness: Harness) -> None:
    assert harness.run("plain", destination="csv") is JobStatus.SUCCESS
    assert harness.run("in-vnd", destination="csv", target_currency="VND") is JobStatus.SUCCESS
    plain, converted = harness.table("plain"), harness.table("in-vnd")
    assert converted[0] == [*plain[0], "fx_rate", "fx_rate_date", "fx_source"]
    days = [date.fromisoformat(day) for day in column(plain, "stat_time_day")]
    assert set(days) == set(RATES)
    assert all(isinstance(cost, float) and cost > 0 for cost in column(plain, "cost")[:2])
    rates = [RATES[day] for day in days]
    for name in ("gross_revenue", "cost", "cost_per_order"):
        amounts = zip(column(plain, name), rates, strict=True)
        expected = [None if usd is None else vnd(usd, rate) for usd, rate in amounts]
        assert column(converted, name) == expected, name
    assert column(converted, "roi") == column(plain, "roi")
    assert set(column(plain, "currency")) == {"USD"}
    assert set(column(converted, "currency")) == {"VND"}
    assert [Decimal(r) for r in column(converted, "fx_rate")] == [Decimal(repr(r)) for r in rates]
    assert column(converted, "fx_rate_date") == days


def test_without_the_currency_column_the_job_says_which_field_to_add(harness: Harness) -> None:
    fields = ["campaign_id", "stat_time_day", "cost"]
    status = harness.run("no-currency", destination="csv", target_currency="VND", selected_fields=fields)
    assert status is JobStatus.FAILED
    assert "add currency to selected_fields" in harness.job("no-currency").message
