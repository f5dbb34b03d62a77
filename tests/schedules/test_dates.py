"""Relative date ranges, resolved against the firing's local date."""

from __future__ import annotations

from datetime import date

import pytest

from marketing_etl.schedules.dates import DateRange, resolve


@pytest.mark.parametrize(
    ("date_range", "today", "expected"),
    [
        (DateRange.YESTERDAY, date(2026, 11, 26), (date(2026, 11, 25), date(2026, 11, 25))),
        (DateRange.YESTERDAY, date(2026, 3, 1), (date(2026, 2, 28), date(2026, 2, 28))),
        (DateRange.YESTERDAY, date(2027, 1, 1), (date(2026, 12, 31), date(2026, 12, 31))),
        (DateRange.LAST_7_DAYS, date(2026, 11, 26), (date(2026, 11, 19), date(2026, 11, 25))),
        (DateRange.LAST_30_DAYS, date(2026, 3, 1), (date(2026, 1, 30), date(2026, 2, 28))),
        (DateRange.MONTH_TO_DATE, date(2026, 11, 26), (date(2026, 11, 1), date(2026, 11, 26))),
        (DateRange.MONTH_TO_DATE, date(2026, 11, 1), (date(2026, 11, 1), date(2026, 11, 1))),
        (DateRange.LAST_MONTH, date(2026, 11, 26), (date(2026, 10, 1), date(2026, 10, 31))),
        (DateRange.LAST_MONTH, date(2026, 1, 15), (date(2025, 12, 1), date(2025, 12, 31))),
        (DateRange.LAST_MONTH, date(2024, 3, 1), (date(2024, 2, 1), date(2024, 2, 29))),
    ],
)
def test_resolve(date_range: DateRange, today: date, expected: tuple[date, date]) -> None:
    assert resolve(date_range, today) == expected


def test_ranges_have_the_documented_lengths() -> None:
    today = date(2026, 7, 15)
    lengths = {r: (resolve(r, today)[1] - resolve(r, today)[0]).days + 1 for r in DateRange}
    assert lengths[DateRange.YESTERDAY] == 1
    assert lengths[DateRange.LAST_7_DAYS] == 7
    assert lengths[DateRange.LAST_30_DAYS] == 30
    assert lengths[DateRange.MONTH_TO_DATE] == 15
    assert lengths[DateRange.LAST_MONTH] == 30
