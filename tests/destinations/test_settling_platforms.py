"""Settling conversions against the simulated platforms: a daily job on day D writes D-7..D-1;
the platform then attributes more conversions to those days; the next day's job with
refresh_days 7 leaves a tab that matches what the platform now says for every day, each
(day, object, breakdown) row exactly once. Real sources, real Sheets writer, fakes over HTTP."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from marketing_etl.destinations.sheets import SheetsDestination, SheetsOptions
from marketing_etl.destinations.sheets.encode import serial
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import Job, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.ratelimit import LocalBudget
from marketing_etl.runner import run_job
from marketing_etl.sandbox.fakes.facebook_graph import TOKEN as FB_TOKEN
from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from marketing_etl.sandbox.fakes.tiktok_api import FakeTikTok
from marketing_etl.sandbox.fakes.tiktok_data import ProductDay
from marketing_etl.services import Services
from marketing_etl.sources.facebook import FacebookSource
from marketing_etl.sources.tiktok.source import TikTokReportSource
from marketing_etl.wiring import build_services
from tests.destinations.conftest import EMAIL, SID, make_settings
from tests.facebook.conftest import FAST
from tests.fakes.server import serve_app
from tests.tiktok import data
from tests.tiktok.conftest import FAST_RETRY
from tests.tiktok.conftest import TOKEN as TT_TOKEN

D = date(2026, 10, 9)
WEEK = [D - timedelta(days=n) for n in range(7, 0, -1)]  # D-7 .. D-1


class Platforms:
    """A Facebook world and a TikTok store served over HTTP, and jobs that write to fake Sheets."""

    def __init__(self, services: Services, world: World, tiktok: FakeTikTok, google: FakeGoogle) -> None:
        self.services = services
        self.world = world
        self.tiktok = tiktok
        self.google = google
        self.count = 0

    def run(self, token: str, **fields: Any) -> Job:
        self.count += 1
        values: dict[str, Any] = {
            "job_id": f"settle-{self.count}",
            "user_email": "ana@example.com",
            "spreadsheet_id": SID,
            **fields,
        }
        spec = JobSpec.model_validate(values)
        job = Job(job_id=spec.job_id, spec=spec, fingerprint=spec.fingerprint())
        assert self.services.store.insert_job(job, self.services.vault.encrypt(token))
        run_job(spec.job_id, self.services.runner_deps())
        done = self.services.store.get_job(spec.job_id)
        assert done is not None
        return done

    def add_spreadsheet(self, *titles: str) -> None:
        self.book = self.google.add_spreadsheet(SID, editors=[EMAIL], tabs={t: (1000, 40) for t in titles})

    def tab(self, title: str) -> list[list[Any]]:
        return self.book.tab(title).values()


def _tiktok_data() -> Any:
    dataset = data.small()
    days = [*WEEK, D]
    dataset.product_days = [
        ProductDay(campaign, product, day, _product_metrics(orders=n % 4 + 1, cents=1_000 + 37 * n))
        for n, (day, campaign, product) in enumerate(
            (day, campaign, product)
            for day in days
            for campaign, product in [(data.C1, data.P1), (data.C2, data.P2)]
        )
    ]
    return dataset


def _product_metrics(orders: int, cents: int) -> dict[str, str]:
    revenue = orders * cents / 100
    return {
        "orders": str(orders),
        "gross_revenue": f"{revenue:.2f}",
        "cost": "10.00",
        "cost_per_order": f"{10 / orders:.2f}",
        "roi": f"{revenue / 10:.2f}",
    }


@pytest.fixture
def platforms(
    tmp_path: Path, google_server: tuple[FakeGoogle, Path], google: FakeGoogle
) -> Iterator[Platforms]:
    world = World(accounts=1, campaigns=2, adsets=1, ads=2, seed="settling")
    graph = FakeGraph(world)
    tiktok = FakeTikTok(_tiktok_data(), TT_TOKEN)
    with serve_app(graph.app) as graph_url, serve_app(tiktok.app) as tiktok_url:
        settings = make_settings(
            tmp_path,
            google_credentials_path=google_server[1],
            google_sheets_api_url=google.base_url,
            facebook_graph_url=graph_url,
            facebook_page_size=7,
            job_lease_s=30,
            tiktok_api_url=f"{tiktok_url}/open_api/v1.3",
            tiktok_max_qps=10_000.0,
            tiktok_max_qpm=1_000_000,
        )
        plugins = Plugins()
        plugins.sources.register(FacebookSource(FAST, allowances=LocalBudget()))
        plugins.sources.register(TikTokReportSource("product", retry=FAST_RETRY))
        plugins.destinations.register(
            "sheets", SheetsDestination(SheetsOptions(backoff_base_s=0.01, rng=random.Random(3)))
        )
        services = build_services(settings, plugins)
        try:
            yield Platforms(services, world, tiktok, google)
        finally:
            services.close()


def _keyed(
    rows: list[list[Any]], header: list[Any], keys: tuple[str, ...]
) -> dict[tuple[Any, ...], list[Any]]:
    at = [header.index(name) for name in keys]
    counts = Counter(tuple(row[i] for i in at) for row in rows)
    assert counts and max(counts.values()) == 1, [key for key, n in counts.items() if n > 1]
    return {tuple(row[i] for i in at): row for row in rows}


def test_facebook_ad_daily_tab_matches_the_platform_after_conversions_settle(platforms: Platforms) -> None:
    world = platforms.world
    platforms.add_spreadsheet("FB", "Truth")
    account = next(iter(world.accounts.values()))
    fb: dict[str, Any] = {
        "task_type": "facebook_daily",
        "template_name": "Ad Daily Report",
        "accounts": [f"act_{account.id}"],
    }
    first = platforms.run(FB_TOKEN, **fb, sheet_name="FB", start_date=WEEK[0], end_date=WEEK[-1])
    assert first.status is JobStatus.SUCCESS, first.message
    before = platforms.tab("FB")

    world.purchase_shift = lambda day: 2 if day in WEEK[2:] else 0  # D-5..D-1: 2 late purchases per ad
    second = platforms.run(FB_TOKEN, **fb, sheet_name="FB", start_date=D, end_date=D, refresh_days=7)
    assert second.status is JobStatus.SUCCESS, second.message
    truth = platforms.run(
        FB_TOKEN, **fb, sheet_name="Truth", start_date=WEEK[0], end_date=D, is_overwrite=True
    )
    assert truth.status is JobStatus.SUCCESS, truth.message

    header, *rows = platforms.tab("FB")
    keys = ("date_start", "id")
    tab = _keyed(rows, header, keys)
    expected = _keyed(platforms.tab("Truth")[1:], platforms.tab("Truth")[0], keys)
    assert tab == expected  # every (day, ad) once, with the platform's numbers of today
    purchases = header.index("Purchases")
    old = _keyed(before[1:], before[0], keys)
    settled = [key for key in old if tab[key][purchases] != old[key][purchases]]
    assert settled and all(tab[key][purchases] == (old[key][purchases] or 0) + 2 for key in settled)
    assert {key[0] for key in tab} == {serial(day) for day in [*WEEK, D]}
    assert len(rows) > len(before) - 1  # day D was appended below the refreshed week


def test_tiktok_product_tab_matches_the_platform_after_orders_settle(platforms: Platforms) -> None:
    platforms.add_spreadsheet("GMV", "Truth")
    store = platforms.tiktok.data
    tt: dict[str, Any] = {
        "task_type": "product",
        "advertiser_id": store.advertiser_id,
        "store_id": store.store_id,
    }
    first = platforms.run(TT_TOKEN, **tt, sheet_name="GMV", start_date=WEEK[0], end_date=WEEK[-1])
    assert first.status is JobStatus.SUCCESS, first.message
    before = platforms.tab("GMV")
    assert len(before) == 1 + 2 * 7

    store.product_days = [  # orders attributed late to D-3..D-1
        replace(day, metrics={**day.metrics, "orders": str(int(day.metrics["orders"]) + 5)})
        if day.day >= D - timedelta(days=3)
        else day
        for day in store.product_days
    ]
    second = platforms.run(TT_TOKEN, **tt, sheet_name="GMV", start_date=D, end_date=D, refresh_days=7)
    assert second.status is JobStatus.SUCCESS, second.message
    truth = platforms.run(
        TT_TOKEN, **tt, sheet_name="Truth", start_date=WEEK[0], end_date=D, is_overwrite=True
    )
    assert truth.status is JobStatus.SUCCESS, truth.message

    header, *rows = platforms.tab("GMV")
    keys = ("stat_time_day", "campaign_id", "item_group_id")
    tab = _keyed(rows, header, keys)
    assert tab == _keyed(platforms.tab("Truth")[1:], platforms.tab("Truth")[0], keys)
    assert len(rows) == 2 * 8
    orders = header.index("orders")
    old = _keyed(before[1:], before[0], keys)
    changed = {
        key: tab[key][orders] - row[orders] for key, row in old.items() if tab[key][orders] != row[orders]
    }
    settled_days = {serial(D - timedelta(days=n)) for n in (1, 2, 3)}
    assert changed == {key: 5 for key in old if key[0] in settled_days}  # 5 late orders on 6 rows
    assert len(changed) == 6
