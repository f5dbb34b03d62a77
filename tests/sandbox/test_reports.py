"""Every task type and every Facebook template runs in sandbox mode through the HTTP API, with
the production clients, retries and writer, into a sandbox spreadsheet with the right header."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from marketing_etl.sandbox.demo_data import FACEBOOK_ACCOUNTS, facebook_world, tiktok_dataset
from marketing_etl.sandbox.fakes.facebook_delivery import K
from marketing_etl.sandbox.viewer_cells import SERIAL_EPOCH
from marketing_etl.sources.facebook.catalog import TEMPLATES, Template
from marketing_etl.sources.facebook.plan import plan_report
from marketing_etl.sources.facebook.platform_rules import short_retention_reason
from marketing_etl.sources.tiktok.fields import columns_for
from tests.sandbox.support import SandboxServer, facebook_body, tiktok_body

TIKTOK_TYPES = ("product", "creative", "tiktok_product", "tiktok_creative")
TEMPLATES_BY_NAME = {t.name: t for t in TEMPLATES}


def _job_id(template: str) -> str:
    return "fb-" + "".join(c if c.isalnum() else "-" for c in template.lower())[:60]


@pytest.fixture(scope="module")
def finished(server: SandboxServer) -> dict[str, dict[str, Any]]:
    """Every report at once, as a team would send them; each into its own spreadsheet."""
    bodies = [
        facebook_body(_job_id(t.name), t.name, task_type=t.task_types[0], **_dates(t)) for t in TEMPLATES
    ]
    bodies += [tiktok_body(f"tt-{task}", task) for task in TIKTOK_TYPES]
    for body in bodies:
        server.create(body)
    return {body["job_id"]: {**server.wait(body["job_id"], 80), "body": body} for body in bodies}


def _dates(template: Template) -> dict[str, str]:
    """The seed README's dates, unless the template's defaults are kept only 13 months (hourly,
    unique-count fields): then the last week."""
    if short_retention_reason(template, plan_report(template, []).insight_fields) is None:
        return {}
    today = date.today()
    return {"start_date": str(today - timedelta(days=7)), "end_date": str(today - timedelta(days=1))}


def test_there_are_seventeen_templates() -> None:
    assert len(TEMPLATES) == 17


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_facebook_template(server: SandboxServer, finished: dict[str, dict[str, Any]], template: Any) -> None:
    job = finished[_job_id(template.name)]
    assert job["status"] == "SUCCESS", job["message"]
    table = server.table(job["spreadsheet_id"], job["sheet_name"])
    assert table[0] == [column.header for column in plan_report(template, []).columns]
    assert len(table) - 1 == job["rows_written"] > 0
    assert job["destination_url"].startswith(f"{server.url}/sandbox/sheets/{job['spreadsheet_id']}?gid=")


@pytest.mark.parametrize("task_type", TIKTOK_TYPES)
def test_tiktok_report(server: SandboxServer, finished: dict[str, dict[str, Any]], task_type: str) -> None:
    job = finished[f"tt-{task_type}"]
    assert job["status"] == "SUCCESS", job["message"]
    table = server.table(job["spreadsheet_id"], job["sheet_name"])
    task = task_type.removeprefix("tiktok_")
    assert table[0] == [column.name for column in columns_for(task, [])]
    assert len(table) - 1 == job["rows_written"] > 0


def test_account_daily_spend_is_the_simulated_delivery(
    server: SandboxServer, finished: dict[str, dict[str, Any]]
) -> None:
    job = finished[_job_id("Account Daily Report")]
    header, *rows = server.table(job["spreadsheet_id"], job["sheet_name"])
    world = facebook_world()
    got = {(row[header.index("account_id")], _day(row[header.index("date_start")])): row for row in rows}
    assert {account for account, _ in got} == {f"act_{account_id}" for account_id, _, _ in FACEBOOK_ACCOUNTS}
    for (account, day), row in got.items():
        ads = world.accounts[account.removeprefix("act_")].ads
        cents = sum((world.stats(ad.id, day, ()) or [0] * len(K))[K["spend_cents"]] for ad in ads)
        assert Decimal(str(row[header.index("spend")])) == Decimal(cents) / 100


def test_product_orders_are_the_simulated_ones(
    server: SandboxServer, finished: dict[str, dict[str, Any]]
) -> None:
    job = finished["tt-product"]
    header, *rows = server.table(job["spreadsheet_id"], job["sheet_name"])
    data = tiktok_dataset(date(2023, 10, 1), date(2023, 10, 7))
    expected = {(p.item_group_id, p.day): int(p.metrics["orders"]) for p in data.product_days}
    got = {
        (row[header.index("item_group_id")], _day(row[header.index("stat_time_day")])): row[
            header.index("orders")
        ]
        for row in rows
    }
    assert got == expected


def _day(serial: Any) -> date:
    return (SERIAL_EPOCH + timedelta(days=serial)).date()


def test_jobs_add_tabs_to_one_spreadsheet_at_once(server: SandboxServer) -> None:
    """The tour sends two jobs to "demo" at once; each tab gets its own id."""
    ids = []
    for n in range(6):
        template = ("Campaign Overview Report", "Ad Performance Report")[n % 2]
        dates = _dates(TEMPLATES_BY_NAME[template])
        body = facebook_body(f"same-book-{n}", template, task_type="facebook_performance", **dates)
        ids.append(server.create({**body, "spreadsheet_id": "same-book", "sheet_name": f"Tab {n}"}))
    assert [server.wait(job_id)["status"] for job_id in ids] == ["SUCCESS"] * len(ids)
