"""How many Graph requests one job keeps in flight at once.

FACEBOOK_MAX_CONCURRENCY while Facebook's usage is low; fewer, linearly, as the usage passes
SHRINK_FROM_PCT; one at a time from throttle.SLOW_DOWN_FROM_PCT (75 %), where the rate limiter
also pauses. Every response's usage headers are a reading: the app's part (X-App-Usage, the
insights app_id_util_pct) is the same whichever account answered, so its latest value counts;
an account's part (X-Ad-Account-Usage, BUC, acc_id_util_pct) counts until the job is done with
that account's work (`forget`), so an account that has stopped calling no longer holds the others
back. No reading counts for longer than USAGE_MEMORY_S.
A wait the rate limiter books (a pause near the limit, a throttling error) holds every new
request of the job until it ends: Meta's advice is to stop calling, since calls made while
throttled still count.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from marketing_etl.sources.facebook.throttle import SLOW_DOWN_FROM_PCT as STOP_AT_PCT
from marketing_etl.sources.facebook.usage import Usage

SHRINK_FROM_PCT = 50.0
USAGE_MEMORY_S = 60.0
_RECHECK_S = 0.1  # a waiting request re-checks cancel this often


class RequestGate:
    def __init__(self, max_in_flight: int, check_running: Callable[[], None]) -> None:
        self._max = max_in_flight
        self._check_running = check_running
        self._cond = threading.Condition()
        self._in_flight = 0
        self._peak = 0
        self._held_until = 0.0
        self._app: tuple[float, float] = (0.0, 0.0)  # (usage %, when read)
        self._accounts: dict[str, tuple[float, float]] = {}

    @property
    def peak_in_flight(self) -> int:
        return self._peak

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the in-flight places for a request; waits (cancellably) for a free one."""
        self._acquire()
        try:
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def observe(self, account_id: str, usage: Usage) -> None:
        app = _highest(usage.app_pct, usage.insights_app_pct)
        account = _highest(
            usage.account_pct,
            usage.insights_account_pct,
            usage.buc_call_count_pct,
            usage.buc_total_cputime_pct,
            usage.buc_total_time_pct,
        )
        now = time.monotonic()
        with self._cond:
            if app is not None:
                self._app = (app, now)
            if account is not None:
                self._accounts[account_id] = (account, now)
            self._cond.notify_all()

    def forget(self, account_id: str) -> None:
        with self._cond:
            self._accounts.pop(account_id, None)
            self._cond.notify_all()

    def hold_for(self, wait_s: float) -> None:
        """No new request starts for `wait_s` (requests already sent finish)."""
        with self._cond:
            self._held_until = max(self._held_until, time.monotonic() + wait_s)

    def _acquire(self) -> None:
        while True:
            self._check_running()  # outside the lock: it may ask the store whether to stop
            with self._cond:
                now = time.monotonic()
                if now >= self._held_until and self._in_flight < self._limit(now):
                    self._in_flight += 1
                    self._peak = max(self._peak, self._in_flight)
                    return
                held_s = self._held_until - now
                self._cond.wait(min(_RECHECK_S, held_s) if held_s > 0 else _RECHECK_S)

    def _limit(self, now: float) -> int:
        """From the highest recent usage reading."""
        readings = [self._app, *self._accounts.values()]
        recent = [pct for pct, seen in readings if now - seen <= USAGE_MEMORY_S]
        return limit_for(max(recent, default=0.0), self._max)


def _highest(*values: float | None) -> float | None:
    return max((v for v in values if v is not None), default=None)


def limit_for(usage_pct: float, max_in_flight: int) -> int:
    """max_in_flight below SHRINK_FROM_PCT, down to 1 at STOP_AT_PCT and beyond."""
    if usage_pct < SHRINK_FROM_PCT:
        return max_in_flight
    share = (STOP_AT_PCT - usage_pct) / (STOP_AT_PCT - SHRINK_FROM_PCT)
    return max(1, math.floor(max_in_flight * share))
