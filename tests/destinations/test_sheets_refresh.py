"""refresh_days: rows of days already in the tab are replaced in place (matched on the report's
key columns), only new rows are appended, and a retry after a failure mid-write leaves each row
exactly once."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

from marketing_etl.contracts.report import Column, Report, ReportDescription
from marketing_etl.destinations.sheets.encode import serial
from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle, Fault
from tests.destinations.conftest import EMAIL, SID, Env, ReportFactory

COLUMNS = [Column("date", "date"), Column("ad_id", "id"), Column("purchases", "integer")]
KEYS = ("date", "ad_id")
TODAY = date(2026, 10, 8)
ADS = [f"12021000000000{n}" for n in range(6)]  # six ads: enough rows for several 1 kB chunks


def days_before(count: int) -> list[date]:
    return [TODAY - timedelta(days=n) for n in range(count, 0, -1)]


def purchases(day: date, ad: str, settled: int) -> int:
    return (day.day * 10 + int(ad[-1])) + settled


def rows_for(days: list[date], settled: int = 0) -> list[list[Any]]:
    return [[day, ad, purchases(day, ad, settled)] for day in days for ad in ADS]


def report(rows: list[list[Any]], keys: tuple[str, ...] = KEYS) -> ReportFactory:
    def make() -> Report:
        return Report(list(COLUMNS), iter([list(r) for r in rows]), ReportDescription(key_columns=keys))

    return make


def sheet_rows(days: list[date], settled: int = 0) -> list[list[Any]]:
    return [[serial(day), ad, n] for day, ad, n in rows_for(days, settled)]


def day_one(env: Env) -> None:
    """The first daily job: days D-7..D-1 appended, nothing to refresh yet."""
    first = env.run(
        env.queue(
            report(rows_for(days_before(7))),
            start_date=TODAY - timedelta(days=7),
            end_date=TODAY - timedelta(days=1),
        )
    )
    assert first.status is JobStatus.SUCCESS, first.message


def day_two_report() -> ReportFactory:
    """What the platform returns the next day for D-7..D with refresh_days 7: the earlier days'
    purchases went up by 3 (conversions settled), and day D is new."""
    return report(rows_for(days_before(7), settled=3) + rows_for([TODAY]))


def test_refreshed_days_replace_their_rows_in_place_and_new_days_are_appended(
    env: Env, google: FakeGoogle
) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    day_one(env)
    assert book.tab("Report").values() == [["date", "ad_id", "purchases"], *sheet_rows(days_before(7))]

    second = env.run(env.queue(day_two_report(), start_date=TODAY, end_date=TODAY, refresh_days=7))

    assert second.status is JobStatus.SUCCESS, second.message
    expected = [["date", "ad_id", "purchases"], *sheet_rows(days_before(7), settled=3), *sheet_rows([TODAY])]
    assert book.tab("Report").values() == expected
    assert second.rows_written == 8 * len(ADS)
    assert f"{7 * len(ADS)} rows replace the rows already there, {len(ADS)} are new." in env.logs(
        second.job_id
    )


def test_rows_the_platform_no_longer_returns_are_left_and_counted(env: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    day_one(env)
    answer = [row for row in rows_for(days_before(7), settled=3) if row[1] != ADS[0]]

    second = env.run(env.queue(report(answer), start_date=TODAY, end_date=TODAY, refresh_days=7))

    assert second.status is JobStatus.SUCCESS, second.message
    by_key = {(row[0], row[1]): row[2] for row in book.tab("Report").values()[1:]}
    day = days_before(7)[0]
    assert by_key[(serial(day), ADS[0])] == purchases(day, ADS[0], 0)  # left as it was
    assert by_key[(serial(day), ADS[1])] == purchases(day, ADS[1], 3)
    assert len(book.tab("Report").values()) == 1 + 7 * len(ADS)
    assert "7 rows of those days did not come back from the platform" in env.logs(second.job_id)


def test_rows_outside_the_refreshed_days_are_never_matched(env: Env, google: FakeGoogle) -> None:
    """A row of the same ad on an older day than the refresh window is not replaced."""
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    old = TODAY - timedelta(days=30)
    first = env.run(env.queue(report(rows_for([old])), start_date=old, end_date=old))
    assert first.status is JobStatus.SUCCESS, first.message

    second = env.run(env.queue(day_two_report(), start_date=TODAY, end_date=TODAY, refresh_days=7))

    assert second.status is JobStatus.SUCCESS, second.message
    assert book.tab("Report").values() == [
        ["date", "ad_id", "purchases"],
        *sheet_rows([old]),
        *sheet_rows(days_before(7), settled=3),
        *sheet_rows([TODAY]),
    ]


def test_a_retry_after_a_failure_mid_write_leaves_each_row_exactly_once(
    chunked: Env, google: FakeGoogle
) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    day_one(chunked)
    google.inject(Fault(500, kind="values.batchUpdate", after=2, times=-1))
    job_id = chunked.queue(day_two_report(), start_date=TODAY, end_date=TODAY, refresh_days=7)
    failed = chunked.run(job_id)
    assert failed.status is JobStatus.FAILED
    assert 0 < failed.rows_written < 8 * len(ADS)
    assert "the rows written so far are replaced, not added twice" in failed.message
    google.clear_faults()

    retried = chunked.retry(job_id)

    assert retried.status is JobStatus.SUCCESS, retried.message
    rows = book.tab("Report").values()[1:]
    assert Counter((row[0], row[1]) for row in rows).most_common(1)[0][1] == 1
    assert rows == [*sheet_rows(days_before(7), settled=3), *sheet_rows([TODAY])]
    assert retried.rows_written == 8 * len(ADS)


def test_a_retry_after_new_rows_were_partly_appended_does_not_append_them_twice(
    chunked: Env, google: FakeGoogle
) -> None:
    """The failure comes after some of the new day's rows were appended: the retry finds them by
    their keys and writes over them."""
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    new_days = [TODAY + timedelta(days=n) for n in range(7)]
    google.inject(Fault(500, kind="values.batchUpdate", after=1, times=-1))
    job_id = chunked.queue(
        report(rows_for(new_days)), start_date=TODAY, end_date=new_days[-1], refresh_days=7
    )
    failed = chunked.run(job_id)
    assert failed.status is JobStatus.FAILED
    appended = len(book.tab("Report").values()) - 1
    assert 0 < appended < len(new_days) * len(ADS)
    google.clear_faults()

    retried = chunked.retry(job_id)

    assert retried.status is JobStatus.SUCCESS, retried.message
    assert book.tab("Report").values() == [["date", "ad_id", "purchases"], *sheet_rows(new_days)]


def test_a_report_without_key_columns_cannot_be_refreshed(env: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    job = env.run(
        env.queue(report(rows_for([TODAY]), keys=()), start_date=TODAY, end_date=TODAY, refresh_days=7)
    )
    assert job.status is JobStatus.FAILED
    assert "refresh_days needs a report with one row per day and object" in job.message
    assert book.tab("Report").values() == []
