"""Cron expressions in a time zone: validation, the latest slot at or before now, the next one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marketing_etl.schedules.cron import check_cron, check_timezone, latest_slot, next_slot

SAIGON = check_timezone("Asia/Ho_Chi_Minh")  # UTC+7, no daylight saving
BERLIN = check_timezone("Europe/Berlin")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
        microsecond: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    ["0 6 * * *", " 30  7 * * 1-5 ", "*/15 * * * *", "@daily", "@Weekly", "0 0 29 2 *", "0 0 31 2 1"],
)
def test_valid_expressions(expression: str) -> None:
    assert check_cron(expression)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 6 * *", "5 fields"),
        ("0 6 * * * *", "5 fields"),
        ("61 6 * * *", "not valid"),
        ("0 6 * * funday", "not valid"),
        ("@sometimes", "shorthand"),
        ("0 0 31 2 *", "never fires"),
        ("0 0 31 4,6 *", "never fires"),
    ],
)
def test_invalid_expressions_say_what_is_wrong(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_cron(expression)


@pytest.mark.parametrize("name", ["Mars/Olympus", "a" * 300, "America", "", "../etc/passwd", "a\x00b"])
def test_unknown_time_zone(name: str) -> None:
    with pytest.raises(ValueError, match="IANA"):
        check_timezone(name)


def test_slots_are_in_the_schedules_time_zone() -> None:
    # 06:00 in Ho Chi Minh City is 23:00 UTC the day before.
    now = utc(2026, 11, 26, 0, 30)
    assert latest_slot("0 6 * * *", SAIGON, now) == utc(2026, 11, 25, 23, 0)
    assert next_slot("0 6 * * *", SAIGON, now) == utc(2026, 11, 26, 23, 0)


def test_a_slot_exactly_now_is_the_latest_not_the_next() -> None:
    now = utc(2026, 11, 25, 23, 0)
    assert latest_slot("0 6 * * *", SAIGON, now) == now
    assert next_slot("0 6 * * *", SAIGON, now) == utc(2026, 11, 26, 23, 0)
    just_before = utc(2026, 11, 25, 22, 59, 59, 999_000)
    assert latest_slot("0 6 * * *", SAIGON, just_before) == utc(2026, 11, 24, 23, 0)


def test_daylight_saving_moves_the_utc_time_not_the_local_time() -> None:
    # 07:00 Berlin is 05:00 UTC in summer time and 06:00 UTC after the clocks go back (2026-10-25).
    assert next_slot("0 7 * * *", BERLIN, utc(2026, 10, 23, 12)) == utc(2026, 10, 24, 5)
    assert next_slot("0 7 * * *", BERLIN, utc(2026, 10, 24, 12)) == utc(2026, 10, 25, 6)
