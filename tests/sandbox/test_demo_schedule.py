"""The sandbox starts with a refresh_days schedule people can watch settle the demo's purchases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from marketing_etl.sandbox.demo_schedule import DEMO_SCHEDULE_NAME, ensure_demo_schedule
from marketing_etl.schedules.firing import fire
from tests.sandbox.support import SandboxServer

SHEETS_EPOCH = date(1899, 12, 30)


def test_the_sandbox_starts_with_the_settling_schedule(server: SandboxServer) -> None:
    listed = server.http.get("/schedules").json()["schedules"]
    [demo] = [s for s in listed if s["name"] == DEMO_SCHEDULE_NAME]
    assert demo["enabled"] and demo["cron"] == "0 6 * * *" and demo["date_range"] == "yesterday"
    assert demo["job"]["refresh_days"] == 7 and demo["job"]["sheet_name"] == "Ads settling"
    assert "access_token" not in demo["job"]
    # A second start (or a second call) leaves the one there, edited or not.
    assert ensure_demo_schedule(server.services) is None
    names = [s["name"] for s in server.http.get("/schedules").json()["schedules"]]
    assert names.count(DEMO_SCHEDULE_NAME) == 1


def test_firing_it_on_two_mornings_replaces_the_week_in_place(server: SandboxServer) -> None:
    [schedule] = [s for s in server.services.store.schedules.all() if s.name == DEMO_SCHEDULE_NAME]
    today = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    first = fire(server.services, server.executor, schedule, today - timedelta(days=1), today)
    assert first is not None and server.wait(first)["status"] == "SUCCESS"
    before = purchases_by_key(server.table("demo", "Ads settling"))
    second = fire(server.services, server.executor, schedule, today, today)
    assert second is not None and server.wait(second)["status"] == "SUCCESS"
    after = purchases_by_key(server.table("demo", "Ads settling"))

    # "Yesterday" of each morning plus the 7 days before it: 8 days, then one more day.
    yesterday = (today - timedelta(days=1)).date()
    days = sorted({day for day, _ in after})
    assert days == [(yesterday - timedelta(days=n)).isoformat() for n in range(8, -1, -1)]
    assert len({day for day, _ in before}) == 8 and set(before) < set(after)
    # Both mornings run within one real minute, so the demo platform has settled nothing in
    # between (tests/destinations/test_settling_platforms.py moves its clock): the refreshed
    # rows come back with the same numbers, in place.
    assert all(after[key] == before[key] for key in before)
    assert "rows replace the rows already there" in server.logs(second)


def purchases_by_key(rows: list[list[Any]]) -> dict[tuple[str, str], float]:
    """Purchases per (day, ad); a key written twice would fail here."""
    header, data = rows[0], rows[1:]
    day, ad, purchases = (header.index(name) for name in ("date_start", "id", "Purchases"))
    keyed = {(_iso(row[day]), str(row[ad])): float(row[purchases] or 0) for row in data}
    assert len(keyed) == len(data)
    return keyed


def _iso(serial: Any) -> str:
    """A date cell as Sheets keeps it (days since 1899-12-30) in ISO form."""
    return (SHEETS_EPOCH + timedelta(days=int(float(serial)))).isoformat()
