"""target_currency end to end: per-day rates from the fake FX API, weekends, the cache, pinned
rates, two source currencies, the mirror and the offline ECB history; numbers read back from
the fake spreadsheet."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from marketing_etl.contracts.report import ReportDescription
from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.fx_api import FakeFx
from tests.fx.conftest import Env, Table, known_currencies

MARCH = [date(2024, 3, 1) + timedelta(days=n) for n in range(31)]
COLUMNS = [
    ("date_stop", "date"), ("account_id", "id"), ("spend", "money"), ("cpc", "money"),
    ("ctr", "percent"), ("purchase_roas", "ratio"), ("account_currency", "text"),
]
HEADER = [name for name, _ in COLUMNS] + ["fx_rate", "fx_rate_date", "fx_source"]
META = ReportDescription(
    accounts=("act_1", "act_2"), account_column="account_id",
    rate_date_columns=("date_stop",), account_info=known_currencies({"1": "USD", "2": "EUR"}),
)


def serial(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def usd_vnd(day: date) -> float:
    return 24_000 + day.day * 10 + 0.25


def publish_weekdays(fx: FakeFx, days: list[date], base: str, quote: str, rate: Any) -> None:
    for day in days:
        if day.weekday() < 5:
            fx.set_rates(day, base, {quote: rate(day), "jpy": 150.5})


def last_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def vnd(amount: str, rate: float) -> int:
    return int((Decimal(amount) * Decimal(repr(rate))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def row(day: date, account: str, spend: float, currency: str) -> list[Any]:
    return [day, account, spend, 0.57, 1.25, 3.5, currency]


def test_a_month_crossing_weekends_is_converted_at_each_days_rate(env: Env) -> None:
    publish_weekdays(env.fx, MARCH, "usd", "vnd", usd_vnd)
    env.sheet()
    job = env.run(Table(COLUMNS, [row(d, "act_1", 12.34, "USD") for d in MARCH], META), target_currency="VND")
    assert job.status is JobStatus.SUCCESS, job.message
    written = env.written()
    assert written[0] == HEADER
    assert len(written) == 1 + len(MARCH)
    for day, cells in zip(MARCH, written[1:], strict=True):
        used = last_weekday(day)
        rate = usd_vnd(used)
        assert cells == [
            serial(day), "act_1", vnd("12.34", rate), vnd("0.57", rate), 1.25, 3.5, "VND",
            rate, serial(used), "fx-api",
        ], day
    # Friday 1 March: 12.34 x 24010.25 = 296286.485 -> 296286; Saturday 2 and Sunday 3 reuse it.
    assert [r[2] for r in written[1:4]] == [296_286, 296_286, 296_286]
    assert env.written()[10][2] == vnd("12.34", 24_080.25)  # Sunday 10 March: Friday 8's rate
    assert env.fx_calls(job.job_id) == 31  # each day asked once: 21 answers, 10 weekend 404s


def test_a_second_job_over_the_same_dates_makes_no_fx_call(env: Env) -> None:
    publish_weekdays(env.fx, MARCH, "usd", "vnd", usd_vnd)
    env.sheet()
    table = Table(COLUMNS, [row(d, "act_1", 5.0, "USD") for d in MARCH[:10]], META)
    first = env.run(table, target_currency="VND", end_date=MARCH[9])
    first_rows = env.written()[1:]
    calls_before = len(env.fx.calls)
    env.fx.reset()  # the API now knows nothing: only the cache can answer
    second = env.run(table, target_currency="VND", end_date=MARCH[9], is_overwrite=True)
    assert (first.status, second.status) == (JobStatus.SUCCESS, JobStatus.SUCCESS), second.message
    assert calls_before == 10 and env.fx.calls == []
    assert env.fx_calls(first.job_id) == 10 and env.fx_calls(second.job_id) == 0
    assert env.written()[1:] == first_rows


def test_a_missing_rate_fails_naming_the_pair_and_the_date(env: Env) -> None:
    env.fx.set_rates(date(2024, 3, 1), "usd", {"vnd": 24_000.0})
    env.sheet()
    days = MARCH[:12]
    job = env.run(Table(COLUMNS, [row(d, "act_1", 1.0, "USD") for d in days], META), target_currency="VND")
    assert job.status is JobStatus.FAILED
    # 8 March still reaches back to 1 March (7 days); 9 March cannot.
    assert "No USD/VND exchange rate for 2024-03-09" in job.message
    assert '"USD/VND"' in job.message  # the fix: pin a rate


def test_pinned_rates_win_over_every_source(env: Env) -> None:
    publish_weekdays(env.fx, MARCH, "usd", "vnd", usd_vnd)
    env.sheet()
    days = MARCH[:3]
    job = env.run(
        Table(COLUMNS, [row(d, "act_1", 12.34, "USD") for d in days], META),
        target_currency="VND", fx_rates={"USD/VND": 25_400},
    )
    assert job.status is JobStatus.SUCCESS, job.message
    assert [r[2:] for r in env.written()[1:]] == [
        [313_436, 14_478, 1.25, 3.5, "VND", 25_400, "", "pinned"]
    ] * 3
    assert env.fx.calls == []


def test_accounts_in_two_currencies_both_end_in_the_target_currency(env: Env) -> None:
    publish_weekdays(env.fx, MARCH, "usd", "vnd", usd_vnd)
    publish_weekdays(env.fx, MARCH, "eur", "vnd", lambda d: 26_500.5 + d.day)
    env.sheet()
    monday, saturday = date(2024, 3, 4), date(2024, 3, 9)
    rows = [row(monday, "act_1", 10.0, ""), row(monday, "act_2", 10.0, ""), row(saturday, "act_2", 2.5, "")]
    job = env.run(Table(COLUMNS, rows, META), target_currency="VND")
    assert job.status is JobStatus.SUCCESS, job.message
    assert [[r[1], r[2], r[6], r[7], r[8]] for r in env.written()[1:]] == [
        ["act_1", 240_403, "VND", 24_040.25, serial(monday)],  # 240402.5 rounds half up
        ["act_2", 265_045, "VND", 26_504.5, serial(monday)],
        ["act_2", 66_271, "VND", 26_508.5, serial(date(2024, 3, 8))],  # 2.5 x 26508.5 = 66271.25
    ]


def test_the_mirror_answers_when_the_primary_url_is_down(env: Env) -> None:
    publish_weekdays(env.fx, MARCH, "usd", "vnd", usd_vnd)
    env.fx.down.add("primary")
    env.sheet()
    job = env.run(Table(COLUMNS, [row(MARCH[3], "act_1", 1.0, "USD")], META), target_currency="VND")
    assert job.status is JobStatus.SUCCESS, job.message
    assert env.written()[1][7:] == [usd_vnd(MARCH[3]), serial(MARCH[3]), "fx-api-fallback"]
    assert [(c.shape, c.status) for c in env.fx.calls] == [("primary", 503)] * 3 + [("mirror", 200)]
    calls = env.services.store.get_api_calls(job.job_id)
    assert [c.http_status for c in calls if c.platform == "fx"] == [503, 503, 503, 200]


def test_the_ecb_history_answers_offline_for_the_currencies_it_covers(env: Env) -> None:
    env.fx.down.update({"primary", "mirror"})
    env.sheet()
    wednesday, saturday = date(2024, 3, 6), date(2024, 3, 9)
    rows = [row(wednesday, "act_1", 100.0, "USD"), row(saturday, "act_1", 100.0, "USD")]
    job = env.run(Table(COLUMNS, rows, META), target_currency="EUR")
    assert job.status is JobStatus.SUCCESS, job.message
    wed, sat = env.written()[1:]
    # The ECB's reference rate on 6 March 2024 was 1 EUR = 1.0874 USD.
    assert wed[2] == float((Decimal(100) / Decimal("1.0874")).quantize(Decimal("0.01")))
    assert wed[8:] == [serial(wednesday), "ecb"]
    assert sat[8:] == [serial(date(2024, 3, 8)), "ecb"]
    assert sat[2] == float((Decimal(100) * Decimal(repr(sat[7]))).quantize(Decimal("0.01")))
    assert "could not be reached" not in job.message
