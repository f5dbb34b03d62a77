"""The shared call budget: windows, refusals that take nothing, Redis shared by workers."""

from __future__ import annotations

import uuid

import pytest

from marketing_etl.errors import RateLimited
from marketing_etl.ratelimit import (
    Limit,
    LocalBudget,
    RedisBudget,
    acquire,
    open_budget,
    per_second_and_minute,
)
from tests.services import redis_url


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_local_windows_grant_up_to_the_limit_then_say_how_long_to_wait() -> None:
    clock = Clock()
    budget = LocalBudget(clock)
    limits = [Limit(2, 1.0), Limit(3, 60.0)]
    assert [budget.try_acquire("a", limits) for _ in range(2)] == [0.0, 0.0]
    assert budget.try_acquire("a", limits) == pytest.approx(1.0)
    assert budget.try_acquire("b", limits) == 0.0  # another advertiser has its own budget
    clock.now += 1.0
    assert budget.try_acquire("a", limits) == 0.0
    # The minute window is now full; the refusals before did not count against it.
    assert budget.try_acquire("a", limits) == pytest.approx(59.0)


def test_acquire_waits_through_the_given_wait_and_gives_up_past_the_maximum() -> None:
    clock = Clock()
    budget = LocalBudget(clock)
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        clock.now += seconds

    limits = [Limit(1, 2.0)]
    assert acquire(budget, "k", limits, wait=wait, max_wait_s=5) == 0.0
    assert acquire(budget, "k", limits, wait=wait, max_wait_s=5) == pytest.approx(2.0)
    assert waits == [pytest.approx(2.0)]
    with pytest.raises(RateLimited):
        acquire(budget, "k", limits, wait=wait, max_wait_s=1)


def test_settings_become_whole_calls_per_window() -> None:
    assert per_second_and_minute(5.0, 240) == [Limit(5, 1.0), Limit(240, 60.0)]
    assert per_second_and_minute(0.5, 20) == [Limit(1, 2.0), Limit(20, 60.0)]


def test_every_job_in_a_process_shares_one_budget() -> None:
    assert open_budget(None, "tiktok") is open_budget(None, "tiktok")
    assert open_budget(None, "tiktok") is not open_budget(None, "sheets")


def test_two_workers_share_one_budget_in_redis() -> None:
    import redis

    url = redis_url()
    prefix = f"test-budget:{uuid.uuid4().hex}"
    worker_a = RedisBudget(redis.Redis.from_url(url), prefix)
    worker_b = RedisBudget(redis.Redis.from_url(url), prefix)
    limits = [Limit(3, 30.0)]
    try:
        assert [worker_a.try_acquire("adv", limits), worker_b.try_acquire("adv", limits)] == [0.0, 0.0]
        assert worker_a.try_acquire("adv", limits) == 0.0
        assert 29.0 < worker_b.try_acquire("adv", limits) <= 30.0
        assert 29.0 < worker_a.try_acquire("adv", limits) <= 30.0
        assert worker_b.try_acquire("other-adv", limits) == 0.0
    finally:
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
