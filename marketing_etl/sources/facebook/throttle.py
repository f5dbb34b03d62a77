"""Staying inside Facebook's rate limits: slow down before the limit, wait it out after it.

From 75 % usage the next call of that account is delayed a little, more as usage nears 100 %.
A throttling error waits for `estimated_time_to_regain_access` (minutes), else the account
usage's `reset_time_duration` (seconds), else an exponential backoff (the shared retry helper
runs those waits, retry.py). Every such wait also holds the job's other requests (pacing.py).
All waits of a job share one budget (FACEBOOK_MAX_WAIT_S) of wall-clock time: when the next
wait would pass it, the job fails with RateLimited instead of waiting for nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from marketing_etl.context import JobContext
from marketing_etl.errors import RateLimited
from marketing_etl.http import Backoff
from marketing_etl.sources.facebook.usage import Usage

log = logging.getLogger(__name__)

SLOW_DOWN_FROM_PCT = 75.0
BACKOFF_CAP_MIN = 10.0


@dataclass(frozen=True)
class FacebookTuning:
    """Waits and retries that are not settings. Tests shrink them; production keeps the defaults."""

    seconds_per_minute: float = 60.0  # the unit of every rate-limit wait (Facebook's ETAs are minutes)
    transient_retries: int = 5
    transient_base_s: float = 2.0
    transient_cap_s: float = 60.0
    poll_first_s: float = 2.0
    poll_max_s: float = 30.0
    async_timeout_s: float = 1_800.0


class RateLimiter:
    def __init__(
        self,
        ctx: JobContext,
        sleep: Callable[[float], None],
        *,
        max_wait_s: float,
        seconds_per_minute: float,
        hold_requests: Callable[[float], None],
    ) -> None:
        self._ctx = ctx
        self._sleep = sleep
        self._hold_requests = hold_requests
        self._max_wait_s = max_wait_s
        self._minute_s = seconds_per_minute
        self._lock = threading.Lock()
        self._waited_s = 0.0
        self._covered_until = 0.0

    @property
    def waited_s(self) -> float:
        return self._waited_s

    def after_success(self, usage: Usage, account: str) -> None:
        """Delay the account's next call when its usage is close to the limit."""
        if usage.regain_access_min:
            wait_s = usage.regain_access_min * self._minute_s
        elif usage.highest_pct >= SLOW_DOWN_FROM_PCT:
            share = min(1.0, (usage.highest_pct - SLOW_DOWN_FROM_PCT) / (100 - SLOW_DOWN_FROM_PCT))
            wait_s = max(0.05, share) * self._minute_s
        else:
            return
        if self.book(wait_s):
            log.info("Facebook usage for %s is at %.0f%%; pausing %.1f s", account, usage.highest_pct, wait_s)
            self._sleep(wait_s)

    def requested_wait_s(self, usage: Usage) -> float | None:
        """The wait Facebook names for a throttled account; None leaves it to the backoff."""
        if usage.regain_access_min:
            return usage.regain_access_min * self._minute_s
        if usage.reset_time_s:
            return usage.reset_time_s * self._minute_s / 60
        return None

    @property
    def backoff(self) -> Backoff:
        """For throttling Facebook gave no time for: a minute, doubling, up to BACKOFF_CAP_MIN."""
        return Backoff(first_s=self._minute_s, cap_s=BACKOFF_CAP_MIN * self._minute_s, jitter=False)

    def announce_wait(self, wait_s: float, account: str) -> None:
        until = self._ctx.now() + timedelta(seconds=wait_s)
        self._ctx.progress(
            None, f"Waiting for the Facebook rate limit until {until:%H:%M} UTC (ad account {account})"
        )

    def over_budget(self, wait_s: float, account: str) -> RateLimited:
        return RateLimited(
            f"Facebook kept rate-limiting this job (ad account {account}) for longer than the "
            f"{_minutes(self._max_wait_s)} it may wait (FACEBOOK_MAX_WAIT_S). Try again later, "
            "or with fewer accounts or a shorter date range.",
            retry_after_s=wait_s,
        )

    def book(self, wait_s: float) -> bool:
        """Count a wait against the budget as wall-clock time (waits of several account
        threads that overlap are counted once); while it lasts, no request of the job starts."""
        with self._lock:
            now = time.monotonic()
            end = now + wait_s
            extra = max(0.0, end - max(now, self._covered_until))
            if self._waited_s + extra > self._max_wait_s:
                return False
            self._waited_s += extra
            self._covered_until = max(self._covered_until, end)
        self._hold_requests(wait_s)
        return True


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} minutes" if seconds >= 120 else f"{seconds:.0f} seconds"
