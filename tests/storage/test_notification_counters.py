"""Contract: running totals of notification delivery attempts (store.notifications.delivery_totals,
read by /metrics), by channel kind and the state each attempt left, on each backend."""

from __future__ import annotations

from datetime import timedelta

from marketing_etl.contracts.notifications import DeliveryAttempt, DeliveryState
from marketing_etl.contracts.store import Store
from tests.storage.factory import T0
from tests.storage.test_notifications import note


def attempt(outbox_store: Store, nid: str, ok: bool, state: DeliveryState) -> None:
    at = T0 + timedelta(seconds=1)
    next_at = at + timedelta(minutes=1) if state is DeliveryState.PENDING else None
    detail = "HTTP 200" if ok else "HTTP 503"
    assert outbox_store.notifications.record_attempt(nid, DeliveryAttempt(at, ok, detail), state, next_at)


def test_attempts_are_counted_by_channel_kind_and_state(store: Store) -> None:
    outbox = store.notifications
    assert outbox.delivery_totals() == {}
    for nid, channel in (("a", "webhook"), ("b", "webhook"), ("c", "schedule:s1:slack"), ("d", "slack")):
        assert outbox.enqueue(note(nid, channel=channel))
    attempt(store, "a", False, DeliveryState.PENDING)
    attempt(store, "a", True, DeliveryState.SENT)
    attempt(store, "b", False, DeliveryState.FAILED)
    attempt(store, "c", True, DeliveryState.SENT)  # a schedule's own Slack counts under "slack"
    attempt(store, "d", True, DeliveryState.SENT)
    assert not outbox.record_attempt(
        "unknown", DeliveryAttempt(T0, True, "HTTP 200"), DeliveryState.SENT, None
    )  # nothing counted for a notification that does not exist
    expected = {
        ("webhook", DeliveryState.PENDING): 1,
        ("webhook", DeliveryState.SENT): 1,
        ("webhook", DeliveryState.FAILED): 1,
        ("slack", DeliveryState.SENT): 2,
    }
    assert outbox.delivery_totals() == expected
    assert outbox.delete_for_jobs(["j1"]) == 4
    assert outbox.delivery_totals() == expected  # counters: pruning the history keeps them
    assert sum(store.pruning.pruned_totals().values()) == 0  # the pruning totals are apart
