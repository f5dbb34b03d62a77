"""Bulgaria's euro changeover: the rates API (like the ECB) publishes no BGN rate from 2026-01-01,
so a BGN account converts at the published BGN rates up to 2025-12-31 and through EUR at the
fixed 1.95583 BGN per EUR after it, never at the last BGN rate published; fx_source says so."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx

from marketing_etl.contracts.report import ReportDescription
from marketing_etl.models import JobStatus
from tests.fx.conftest import Env, Table, known_currencies

BGN_PER_EUR = Decimal("1.95583")
FIXED = "fixed 1.95583 BGN per EUR"
DAYS = [date(2025, 12, 29) + timedelta(days=n) for n in range(9)]  # Mon 29 Dec to Tue 6 Jan
NEW_YEAR = date(2026, 1, 1)  # a holiday: nothing published
COLUMNS = [("date_stop", "date"), ("account_id", "id"), ("spend", "money"), ("account_currency", "text")]


def serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def bgn_usd(day: date) -> float:
    return 0.59 + day.day / 10_000


def eur_usd(day: date) -> float:
    return 1.16 + day.day / 1_000


def publish(env: Env) -> None:
    """What the test would like the API to say, BGN after the changeover included."""
    for day in DAYS:
        if day.weekday() < 5 and day != NEW_YEAR:
            env.fx.set_rates(day, "bgn", {"usd": bgn_usd(day)})
            env.fx.set_rates(day, "eur", {"usd": eur_usd(day), "bgn": 1.9558})


def description(currency: str) -> ReportDescription:
    return ReportDescription(
        accounts=("act_1",),
        account_column="account_id",
        rate_date_columns=("date_stop",),
        account_info=known_currencies({"1": currency}),
    )


def cents(amount: Decimal) -> float:
    return float(amount.quantize(Decimal("0.01")))


def published_before(day: date) -> date:
    while day.weekday() >= 5 or day == NEW_YEAR:
        day -= timedelta(days=1)
    return day


def test_a_bgn_account_converts_through_the_fixed_euro_rate_after_2025(env: Env) -> None:
    publish(env)
    env.sheet()
    table = Table(COLUMNS, [[day, "act_1", 100.0, "BGN"] for day in DAYS], description("BGN"))
    job = env.run(table, target_currency="USD", start_date=DAYS[0], end_date=DAYS[-1])
    assert job.status is JobStatus.SUCCESS, job.message
    expected: list[list[Any]] = []
    for day in DAYS:
        if day < NEW_YEAR:
            rate = Decimal(repr(bgn_usd(day)))
            expected.append([serial(day), cents(100 * rate), float(rate), serial(day), "fx-api"])
            continue
        used = published_before(day)
        rate = Decimal(repr(eur_usd(used))) / BGN_PER_EUR
        expected.append([serial(day), cents(100 * rate), float(rate), serial(used), f"fx-api + {FIXED}"])
    assert [[r[0], r[2], r[4], r[5], r[6]] for r in env.written()[1:]] == expected
    # 2 January 2026: 100 BGN = 100 / 1.95583 EUR = 51.13 EUR, at 1.162 USD per EUR = 59.41 USD.
    assert env.written()[6][2] == 59.41
    # The API was asked for BGN only up to 2025-12-31; after it, for EUR.
    assert {(c.day, c.base) for c in env.fx.calls if c.base == "bgn"} == {
        (str(day), "bgn") for day in DAYS[:3]
    }


def test_bgn_and_eur_convert_at_the_fixed_rate_without_asking_anyone(env: Env) -> None:
    env.sheet()
    day = date(2026, 3, 2)
    bgn = env.run(
        Table(COLUMNS, [[day, "act_1", 195.58, "BGN"]], description("BGN")),
        target_currency="EUR",
        start_date=day,
        end_date=day,
    )
    assert bgn.status is JobStatus.SUCCESS, bgn.message
    assert env.written()[1][2:] == [100.0, "EUR", float(1 / BGN_PER_EUR), "", FIXED]
    eur = env.run(
        Table(COLUMNS, [[day, "act_1", 10.0, "EUR"]], description("EUR")),
        target_currency="BGN",
        start_date=day,
        end_date=day,
        is_overwrite=True,
    )
    assert eur.status is JobStatus.SUCCESS, eur.message
    assert env.written()[1][2:] == [19.56, "BGN", 1.95583, "", FIXED]
    assert env.fx.calls == []


def test_the_fake_api_has_no_bgn_from_2026(env: Env) -> None:
    publish(env)
    primary = env.servers.fx_urls[0]
    old, new = date(2025, 12, 31), date(2026, 1, 2)
    assert httpx.get(primary.format(date=old, base="bgn")).json()["bgn"] == {"usd": bgn_usd(old)}
    assert httpx.get(primary.format(date=new, base="bgn")).status_code == 404
    assert httpx.get(primary.format(date=new, base="eur")).json()["eur"] == {"usd": eur_usd(new)}
