"""Named leases: one holder at a time, taken over when expired, kept only by renewing."""

from __future__ import annotations

import threading
from datetime import timedelta

from marketing_etl.contracts.store import Store
from marketing_etl.models import utcnow

NAME = "a" * 64
LABEL = "sheet-1/Shared"


def _take(store: Store, owner: str, holder: str, lease_s: float = 30.0) -> str | None:
    """None when `owner` got the lease, else the job that holds it."""
    now = utcnow()
    other = store.locks.acquire(
        NAME, label=LABEL, owner=owner, holder=holder, lease_until=now + timedelta(seconds=lease_s), now=now
    )
    return None if other is None else other.holder


def test_one_holder_at_a_time_until_released(store: Store) -> None:
    assert _take(store, "run-a", "job-a") is None
    assert _take(store, "run-b", "job-b") == "job-a"
    current = store.locks.current(NAME, utcnow())
    assert current is not None and (current.holder, current.label) == ("job-a", LABEL)

    store.locks.release(NAME, "run-b")  # not the holder: changes nothing
    assert _take(store, "run-b", "job-b") == "job-a"
    store.locks.release(NAME, "run-a")

    assert store.locks.current(NAME, utcnow()) is None
    assert _take(store, "run-b", "job-b") is None
    assert _take(store, "run-a", "job-a") == "job-b"


def test_the_holder_may_take_it_again_and_renew_it(store: Store) -> None:
    assert _take(store, "run-a", "job-a", lease_s=1) is None
    assert _take(store, "run-a", "job-a", lease_s=30) is None
    assert store.locks.renew(NAME, "run-a", utcnow() + timedelta(seconds=60))
    assert not store.locks.renew(NAME, "run-b", utcnow() + timedelta(seconds=60))
    current = store.locks.current(NAME, utcnow())
    assert current is not None and current.expires_at > utcnow() + timedelta(seconds=50)


def test_an_expired_lease_is_taken_over_and_the_old_owner_cannot_renew(store: Store) -> None:
    assert _take(store, "crashed", "job-a", lease_s=-1) is None
    assert store.locks.current(NAME, utcnow()) is None
    assert _take(store, "run-b", "job-b") is None
    assert not store.locks.renew(NAME, "crashed", utcnow() + timedelta(seconds=60))
    store.locks.release(NAME, "crashed")
    assert _take(store, "run-c", "job-c") == "job-b"


def test_leases_on_other_names_are_independent(store: Store) -> None:
    now = utcnow()
    until = now + timedelta(seconds=30)
    for name, owner in (("b" * 64, "o1"), ("c" * 64, "o2")):
        taken = store.locks.acquire(name, label=name, owner=owner, holder=owner, lease_until=until, now=now)
        assert taken is None
    holder = store.locks.current("b" * 64, now)
    assert holder is not None and holder.owner == "o1"


def test_racing_threads_never_both_hold_it(store: Store) -> None:
    winners: list[str] = []
    start = threading.Barrier(8)

    def contend(index: int) -> None:
        start.wait()
        if _take(store, f"run-{index}", f"job-{index}") is None:
            winners.append(f"job-{index}")

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    current = store.locks.current(NAME, utcnow())
    assert current is not None and current.holder == winners[0]
