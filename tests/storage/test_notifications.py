"""Contract: the notification outbox (enqueue once, claim by compare-and-set, attempts recorded,
the newest delivery per channel) and a schedule's failures in a row and own channels."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from marketing_etl.contracts.notifications import DeliveryAttempt, DeliveryState, Notification
from marketing_etl.contracts.store import Store
from tests.storage.factory import T0
from tests.storage.test_schedules import make_schedule

MINUTE = timedelta(minutes=1)


def note(nid: str, *, minute: int = 0, **fields: Any) -> Notification:
    values: dict[str, Any] = {
        "notification_id": nid,
        "event": "job_failed",
        "channel": "webhook",
        "created_at": T0 + minute * MINUTE,
        "payload": {"event": "job_failed", "job_id": "j1", "message": "It failed", "count": 2},
        "job_id": "j1",
        "next_attempt_at": T0 + minute * MINUTE,
    }
    values.update(fields)
    return Notification(**values)


def test_enqueue_once_and_read_back_whole(store: Store) -> None:
    outbox = store.notifications
    assert outbox.enqueue(note("n1", schedule_id="s1"))
    assert not outbox.enqueue(note("n1", event="other"))  # the id is taken: no change
    [got] = outbox.for_job("j1")
    assert got == note("n1", schedule_id="s1")
    assert got.state is DeliveryState.PENDING and got.attempts == ()


def test_due_is_pending_and_at_or_before_now_oldest_first(store: Store) -> None:
    outbox = store.notifications
    outbox.enqueue(note("late", minute=5))
    outbox.enqueue(note("early", minute=1))
    outbox.enqueue(note("future", minute=30))
    outbox.enqueue(note("sent", minute=0, state=DeliveryState.SENT, next_attempt_at=None))
    assert [n.notification_id for n in outbox.due(T0 + 5 * MINUTE, 10)] == ["early", "late"]
    assert [n.notification_id for n in outbox.due(T0 + 5 * MINUTE, 1)] == ["early"]


def test_claim_is_compare_and_set_on_next_attempt(store: Store) -> None:
    outbox = store.notifications
    outbox.enqueue(note("n1"))
    lease = T0 + 2 * MINUTE
    assert outbox.claim("n1", T0, lease)
    assert not outbox.claim("n1", T0, lease)  # a second process lost the race
    assert outbox.due(T0 + MINUTE, 10) == []  # held by the claim until the lease ends
    assert [n.notification_id for n in outbox.due(lease, 10)] == ["n1"]
    assert not outbox.claim("missing", T0, lease)


def test_attempts_are_appended_with_the_state(store: Store) -> None:
    outbox = store.notifications
    outbox.enqueue(note("n1"))
    first = DeliveryAttempt(at=T0, ok=False, detail="HTTP 503: busy")
    second = DeliveryAttempt(at=T0 + MINUTE, ok=True, detail="HTTP 200")
    assert outbox.record_attempt("n1", first, DeliveryState.PENDING, T0 + 30 * MINUTE)
    assert outbox.record_attempt("n1", second, DeliveryState.SENT, None)
    assert not outbox.record_attempt("missing", first, DeliveryState.SENT, None)
    [got] = outbox.for_job("j1")
    assert got.attempts == (first, second)
    assert got.state is DeliveryState.SENT and got.next_attempt_at is None
    assert outbox.due(T0 + 60 * MINUTE, 10) == []


def test_latest_by_channel_is_the_newest_finished_one(store: Store) -> None:
    outbox = store.notifications
    outbox.enqueue(note("w-old", minute=1, state=DeliveryState.SENT, next_attempt_at=None))
    outbox.enqueue(note("w-new", minute=2, state=DeliveryState.FAILED, next_attempt_at=None))
    outbox.enqueue(note("w-pending", minute=3))  # not finished: does not count yet
    outbox.enqueue(note("s-1", minute=1, channel="slack", state=DeliveryState.FAILED, next_attempt_at=None))
    outbox.enqueue(note("s-2", minute=4, channel="slack", state=DeliveryState.SENT, next_attempt_at=None))
    latest = outbox.latest_by_channel()
    assert {name: n.notification_id for name, n in latest.items()} == {"webhook": "w-new", "slack": "s-2"}
    assert latest["webhook"].state is DeliveryState.FAILED


def test_delete_for_jobs(store: Store) -> None:
    outbox = store.notifications
    outbox.enqueue(note("a", job_id="j1"))
    outbox.enqueue(note("b", job_id="j2"))
    outbox.enqueue(note("c", job_id=None))
    assert outbox.delete_for_jobs(["j1", "j9"]) == 1
    assert outbox.delete_for_jobs([]) == 0
    assert outbox.for_job("j1") == [] and len(outbox.for_job("j2")) == 1


def test_schedule_failures_in_row_and_own_channels(store: Store) -> None:
    notify = {"webhook_url": "https://h.example.com/x", "webhook_secret": "gAAAA-x", "email_to": ["a@b.co"]}
    schedules = store.schedules
    schedules.insert(make_schedule("s1", notify=notify), None)
    assert schedules.record_outcome("s1", failed=True) == 1
    assert schedules.record_outcome("s1", failed=True) == 2
    got = schedules.get("s1")
    assert got is not None and got.failures_in_row == 2 and got.notify == notify
    assert schedules.record_outcome("s1", failed=False) == 0
    assert schedules.record_outcome("missing", failed=True) is None
    assert schedules.update("s1", None, T0, notify=None)
    got = schedules.get("s1")
    assert got is not None and got.notify is None and got.failures_in_row == 0
