"""Retry-After in both of its forms, read in one place."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marketing_etl.http import retry_after_s

NOW = datetime(2026, 10, 21, 7, 28, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("Wed, 21 Oct 2026 07:30:00 GMT", 120.0),
        ("Wed, 21 Oct 2026 07:28:00 -0000", 0.0),
        ("Wed, 21 Oct 2026 06:00:00 GMT", 0.0),  # already past: go now
        ("Wednesday, 21-Oct-26 07:29:30 GMT", 90.0),  # the obsolete RFC 850 form
    ],
)
def test_seconds_and_http_dates(value: str, seconds: float) -> None:
    assert retry_after_s({"retry-after": value}, NOW) == seconds


@pytest.mark.parametrize("value", ["", "soon", "nan", "inf", "Wed, 99 Foo 2026"])
def test_absent_or_unreadable_leaves_the_wait_to_the_back_off(value: str) -> None:
    assert retry_after_s({"retry-after": value}, NOW) is None
    assert retry_after_s({}, NOW) is None
