"""The original's `[CONFIG] Currency Exchange` tab: money multiplied per account, ratios kept,
inactive rows ignored, the tab winning over per-day rates, and mistakes named by row."""

from __future__ import annotations

from datetime import date
from typing import Any

from marketing_etl.contracts.report import ReportDescription
from marketing_etl.models import JobStatus
from tests.fx.conftest import CONFIG_TAB, Env, Table

COLUMNS = [
    ("account_id", "id"), ("date_start", "date"), ("spend", "money"), ("Cost Purchases", "money"),
    ("ctr", "percent"), ("frequency", "ratio"), ("Purchase ROAS", "ratio"), ("currency", "text"),
]
META = ReportDescription(accounts=("act_1", "act_2", "act_3"), account_column="account_id")
TAB_HEADER = ["Account ID", "Exchange Rate (Multiplier)", "Status", "Target Currency"]
DAY = date(2024, 3, 4)
SERIAL = (DAY - date(1899, 12, 30)).days


def row(account: str, spend: float) -> list[Any]:
    return [account, DAY, spend, 4.5, 1.25, 1.8, 3.5, "USD"]


def test_the_tab_multiplies_money_but_not_ratios(env: Env) -> None:
    env.sheet({CONFIG_TAB: [
        TAB_HEADER,
        ["act_1", 24_000, "Active", "VND"],
        ["2", 0.5, "paused", ""],  # not counted: Status is neither empty nor active
        [3, 0.5, "", ""],  # bare id, empty status: counted; no Target Currency
    ]})
    table = Table(COLUMNS, [row("act_1", 12.34), row("act_2", 10.0), row("act_3", 10.01)], META)
    job = env.run(table)
    assert job.status is JobStatus.SUCCESS, job.message
    assert env.written() == [
        [name for name, _ in COLUMNS],  # no fx columns without target_currency
        ["act_1", SERIAL, 296_160, 108_000, 1.25, 1.8, 3.5, "VND"],
        ["act_2", SERIAL, 10, 4.5, 1.25, 1.8, 3.5, "USD"],
        ["act_3", SERIAL, 5.01, 2.25, 1.25, 1.8, 3.5, "USD"],  # 5.005 rounds half up
    ]
    assert "multipliers for 2 account(s)" in env.logs(job.job_id)


def test_the_tab_wins_over_per_day_rates(env: Env) -> None:
    env.fx.set_rates(DAY, "usd", {"vnd": 24_500.0})
    env.sheet({CONFIG_TAB: [TAB_HEADER[:3], ["act_1", 24_000, "ACTIVE"]]})
    table = Table(COLUMNS, [row("act_1", 1.0), row("act_2", 1.0)], META)
    job = env.run(table, target_currency="VND")
    assert job.status is JobStatus.SUCCESS, job.message
    assert [r[2:] for r in env.written()[1:]] == [
        [24_000, 108_000, 1.25, 1.8, 3.5, "VND", 24_000, "", "config-tab"],
        [24_500, 110_250, 1.25, 1.8, 3.5, "VND", 24_500, SERIAL, "fx-api"],
    ]


def test_a_bad_multiplier_fails_the_job_naming_the_row(env: Env) -> None:
    env.sheet({CONFIG_TAB: [TAB_HEADER, ["act_1", 24_000, "", ""], ["act_2", "abc", "active", ""]]})
    job = env.run(Table(COLUMNS, [row("act_1", 1.0)], META))
    assert job.status is JobStatus.FAILED
    assert "row 3" in job.message and "'abc'" in job.message
    assert "Nothing was written" in job.message


def test_without_the_tab_or_a_target_the_report_is_untouched(env: Env) -> None:
    env.sheet()
    job = env.run(Table(COLUMNS, [row("act_1", 12.34)], META))
    assert job.status is JobStatus.SUCCESS, job.message
    assert env.written()[1] == ["act_1", SERIAL, 12.34, 4.5, 1.25, 1.8, 3.5, "USD"]
    assert env.fx.calls == []


def test_the_tab_needs_the_account_column_when_it_lists_the_reports_accounts(env: Env) -> None:
    env.sheet({CONFIG_TAB: [TAB_HEADER, ["act_2", 2, "", ""]]})
    columns = [c for c in COLUMNS if c[0] != "account_id"]
    job = env.run(Table(columns, [row("act_1", 1.0)[1:]], META))
    assert job.status is JobStatus.FAILED
    assert "add account_id to selected_fields" in job.message
