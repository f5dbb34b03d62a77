"""A schedule's timing in plain words ("every day at 06:00 Asia/Ho_Chi_Minh") and its next runs.

The dashboard's presets (daily, weekdays, weekly, monthly) produce a handful of cron shapes;
those, the shorthands and hourly expressions get a sentence. Anything else is quoted as it is
("at cron '*/15 9-17 * * *' in UTC") rather than paraphrased: a wrong paraphrase of a clever
expression would mislead more than the expression itself.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from marketing_etl.schedules.cron import next_slot

_MACRO_CRON = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_DAY_ABBREVIATIONS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_NUMBER = re.compile(r"\d{1,2}")
_WEEKDAYS_ONLY = {"1-5", "mon-fri"}
NEXT_RUNS = 3


def describe(cron: str, timezone: str) -> str:
    """The sentence for a valid cron expression (schedules.cron.check_cron) in `timezone`."""
    when = _when(_MACRO_CRON.get(cron, cron))
    return f"{when} {timezone}" if when else f"at cron '{cron}' in {timezone}"


def next_runs(cron: str, zone: ZoneInfo, after: datetime, count: int = NEXT_RUNS) -> list[datetime]:
    """The next `count` firings strictly after `after`, as times in `zone`."""
    found: list[datetime] = []
    slot = after
    for _ in range(count):
        slot = next_slot(cron, zone, slot)
        found.append(slot.astimezone(zone))
    return found


def _when(cron: str) -> str | None:
    minute_field, hour_field, day_field, month_field, weekday_field = cron.split(" ")
    minute = _number(minute_field, 59)
    if minute is None or month_field != "*":
        return None
    if hour_field == "*" and day_field == "*" and weekday_field == "*":
        return f"every hour at minute {minute}"
    hour = _number(hour_field, 23)
    if hour is None:
        return None
    at = f"at {hour:02d}:{minute:02d}"
    if day_field == "*":
        days = _weekdays(weekday_field)
        return f"{days} {at}" if days else None
    day = _number(day_field, 31)
    if day is not None and weekday_field == "*":
        return f"on day {day} of every month {at}"
    return None


def _weekdays(field: str) -> str | None:
    if field == "*":
        return "every day"
    if field.lower() in _WEEKDAYS_ONLY:
        return "every weekday (Mon\N{EN DASH}Fri)"
    names = [_day_name(part) for part in field.split(",")]
    if any(name is None for name in names):
        return None
    listed = [name for name in names if name is not None]
    if len(listed) == 1:
        return f"every {listed[0]}"
    return f"every {', '.join(listed[:-1])} and {listed[-1]}"


def _day_name(part: str) -> str | None:
    lowered = part.lower()
    if lowered in _DAY_ABBREVIATIONS:
        return _DAY_NAMES[_DAY_ABBREVIATIONS.index(lowered)]
    number = _number(part, 7)
    # Cron counts Sunday as both 0 and 7.
    return None if number is None else _DAY_NAMES[number % 7]


def _number(field: str, highest: int) -> int | None:
    if not _NUMBER.fullmatch(field):
        return None
    value = int(field)
    return value if value <= highest else None
