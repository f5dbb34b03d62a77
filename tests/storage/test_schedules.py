"""Contract: schedules, their encrypted token, and the compare-and-set claim of a firing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from marketing_etl.contracts.store import Store
from marketing_etl.schedules.dates import DateRange
from marketing_etl.schedules.model import Schedule
from tests.storage.factory import T0

HOUR = timedelta(hours=1)
JOB = {"task_type": "product", "user_email": "ann@example.com", "sheet_name": "GMV", "accounts": []}


def make_schedule(schedule_id: str, **fields: Any) -> Schedule:
    values: dict[str, Any] = {
        "schedule_id": schedule_id,
        "name": f"Report {schedule_id}",
        "cron": "0 6 * * *",
        "timezone": "Asia/Ho_Chi_Minh",
        "date_range": DateRange.YESTERDAY,
        "job": JOB,
        "next_run_at": T0,
        "created_at": T0 - HOUR,
        "updated_at": T0 - HOUR,
    }
    values.update(fields)
    return Schedule(**values)


def test_insert_get_list_delete(store: Store) -> None:
    schedules = store.schedules
    assert schedules.insert(make_schedule("b", name="Beta"), b"cipher-b")
    assert schedules.insert(make_schedule("a", name="Alpha"), None)
    assert not schedules.insert(make_schedule("a", name="Again"), b"other")  # id taken: no change
    got = schedules.get("b")
    assert got == make_schedule("b", name="Beta")
    assert got is not None and got.job == JOB and got.date_range is DateRange.YESTERDAY
    assert [s.schedule_id for s in schedules.all()] == ["a", "b"]  # by name
    assert schedules.token("b") == b"cipher-b"
    assert schedules.token("a") is None
    assert schedules.get("missing") is None and schedules.token("missing") is None
    assert schedules.delete("a") and not schedules.delete("a")
    assert [s.schedule_id for s in schedules.all()] == ["b"]


def test_update_replaces_definition_and_keeps_token_unless_given(store: Store) -> None:
    schedules = store.schedules
    schedules.insert(make_schedule("s"), b"first")
    later = T0 + HOUR
    changes = {"name": "Renamed", "cron": "30 7 * * 1", "enabled": False, "next_run_at": None}
    assert schedules.update("s", None, later, **changes)
    got = schedules.get("s")
    assert got is not None
    assert (got.name, got.cron, got.enabled, got.next_run_at, got.updated_at) == (
        "Renamed", "30 7 * * 1", False, None, later,
    )
    assert schedules.token("s") == b"first"
    assert schedules.update("s", b"second", later, job={**JOB, "sheet_name": "New"})
    assert schedules.token("s") == b"second"
    assert not schedules.update("missing", None, later, name="x")


def test_due_lists_enabled_schedules_at_or_past_their_time(store: Store) -> None:
    schedules = store.schedules
    schedules.insert(make_schedule("past", next_run_at=T0 - HOUR), None)
    schedules.insert(make_schedule("now", next_run_at=T0), None)
    schedules.insert(make_schedule("later", next_run_at=T0 + HOUR), None)
    schedules.insert(make_schedule("off", enabled=False, next_run_at=None), None)
    assert {s.schedule_id for s in schedules.due(T0)} == {"past", "now"}


def test_claim_is_compare_and_set_on_next_run_at(store: Store) -> None:
    schedules = store.schedules
    schedules.insert(make_schedule("s", next_run_at=T0), None)
    following = T0 + timedelta(days=1)
    assert schedules.claim("s", T0, T0, following)
    assert not schedules.claim("s", T0, T0, following)  # a second scheduler loses
    got = schedules.get("s")
    assert got is not None and got.next_run_at == following and got.last_slot_at == T0
    assert got.pending and [p.schedule_id for p in schedules.pending()] == ["s"]
    assert schedules.due(T0 + HOUR) == []


def test_record_firing_ends_pending_only_for_the_claimed_slot(store: Store) -> None:
    schedules = store.schedules
    schedules.insert(make_schedule("s"), None)
    schedules.claim("s", T0, T0, T0 + timedelta(days=1))
    assert not schedules.record_firing("s", T0 - HOUR, "old-job", None)  # not the claimed slot
    assert schedules.record_firing("s", T0, "s.job", None)
    got = schedules.get("s")
    assert got is not None and got.last_job_id == "s.job" and not got.pending
    assert schedules.pending() == []
    schedules.insert(make_schedule("broken"), None)
    schedules.claim("broken", T0, T0, T0 + timedelta(days=1))
    assert schedules.record_firing("broken", T0, None, "body no longer valid")
    assert schedules.pending() == []


def test_a_disabled_schedule_cannot_be_claimed(store: Store) -> None:
    schedules = store.schedules
    schedules.insert(make_schedule("s", next_run_at=T0), None)
    schedules.update("s", None, T0, enabled=False)
    assert not schedules.claim("s", T0, T0, T0 + HOUR)
