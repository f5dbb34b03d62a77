"""Cron expressions evaluated in a schedule's time zone (croniter does the calendar work).

Only the five standard fields (minute hour day-of-month month day-of-week) and the @hourly,
@daily, @weekly, @monthly, @yearly shorthands are accepted: croniter also takes a sixth
seconds field, which no other cron would read the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter

MACROS = ("@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually")
_ONE_SECOND = timedelta(seconds=1)
# Cron has no year field, so an expression that fires at all fires within a few years of any date.
_PROBE_START = datetime(2000, 1, 1)


def check_cron(expression: str) -> str:
    """The expression, stripped; ValueError saying what a valid one looks like otherwise."""
    text = " ".join(expression.split())
    example = 'e.g. "0 6 * * *" for 06:00 every day, or "30 7 * * 1" for 07:30 on Mondays'
    if text.startswith("@"):
        if text.lower() not in MACROS:
            raise ValueError(f"unknown cron shorthand '{text}'; use one of {', '.join(MACROS)}")
        return text.lower()
    if len(text.split(" ")) != 5:
        raise ValueError(f"cron needs 5 fields (minute hour day month weekday); {example}")
    if not croniter.is_valid(text):
        raise ValueError(f"cron expression '{text}' is not valid; {example}")
    try:
        croniter(text, _PROBE_START).get_next(datetime)
    except CroniterError:
        # e.g. "0 0 31 2 *": every field is valid, but 31 February never comes.
        raise ValueError(
            f"cron expression '{text}' never fires: no date matches its day and month "
            f"(like 31 February); {example}"
        ) from None
    return text


def check_timezone(name: str) -> ZoneInfo:
    """The zone; ValueError naming a valid one otherwise (ZoneInfo reads a file named after
    `name`, so a bad name can also fail as OSError, e.g. "File name too long")."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        shown = name if len(name) <= 60 else f"{name[:60]}..."
        raise ValueError(
            f"unknown time zone '{shown}'; use an IANA name such as Asia/Ho_Chi_Minh or UTC"
        ) from None


def latest_slot(expression: str, zone: ZoneInfo, now: datetime) -> datetime:
    """The latest firing time at or before `now`, in UTC."""
    # Slots fall on whole minutes, so "at or before now" is "before now rounded down + 1 s".
    start = now.astimezone(zone).replace(microsecond=0) + _ONE_SECOND
    found: datetime = croniter(expression, start).get_prev(datetime)
    return found.astimezone(UTC)


def next_slot(expression: str, zone: ZoneInfo, after: datetime) -> datetime:
    """The first firing time strictly after `after`, in UTC."""
    start = after.astimezone(zone).replace(microsecond=0)
    found: datetime = croniter(expression, start).get_next(datetime)
    return found.astimezone(UTC)
