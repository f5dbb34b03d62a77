"""Relative date ranges: what a recurring report asks for instead of fixed dates.

Each range is resolved against the calendar date of the firing in the schedule's own time zone,
because "yesterday" for a team in Ho Chi Minh City is not UTC's yesterday at 06:00 local time.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum


class DateRange(StrEnum):
    YESTERDAY = "yesterday"
    LAST_7_DAYS = "last_7_days"
    LAST_30_DAYS = "last_30_days"
    MONTH_TO_DATE = "month_to_date"
    LAST_MONTH = "last_month"


def resolve(date_range: DateRange, today: date) -> tuple[date, date]:
    """(start_date, end_date), both inclusive, for a firing on local date `today`.

    The "last N days" ranges end yesterday: today's numbers are still moving. month_to_date
    includes today, like the ad platforms' own "this month" preset, so that it is never empty
    on the first of the month.
    """
    yesterday = today - timedelta(days=1)
    if date_range is DateRange.YESTERDAY:
        return yesterday, yesterday
    if date_range is DateRange.LAST_7_DAYS:
        return today - timedelta(days=7), yesterday
    if date_range is DateRange.LAST_30_DAYS:
        return today - timedelta(days=30), yesterday
    if date_range is DateRange.MONTH_TO_DATE:
        return today.replace(day=1), today
    last_of_previous = today.replace(day=1) - timedelta(days=1)
    return last_of_previous.replace(day=1), last_of_previous
