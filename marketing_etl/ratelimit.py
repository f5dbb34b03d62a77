"""Call budgets: "at most N calls per W seconds" for a key, shared by every job and worker.

An external API's limits belong to the account or app, not to one job, so every job that calls
with the same key must draw from the same budget. With Redis configured the windows live in Redis
(one sorted set per window, checked and taken atomically by a Lua script, timed by the Redis
clock so workers on different machines agree); otherwise in this process.

A refused attempt takes nothing from the budget, so waiting callers never push each other back.

    budget = open_budget(settings.broker_url, namespace="tiktok")
    limits = per_second_and_minute(settings.tiktok_max_qps, settings.tiktok_max_qpm)
    waited_s = acquire(budget, f"advertiser:{advertiser_id}", limits, wait=ctx.wait, max_wait_s=600)

A daily quota is counted per calendar day in UTC (the day TikTok's own quotas reset), in the same
store: `open_daily_quota(settings.broker_url, "tiktok")`.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from marketing_etl.errors import RateLimited


@dataclass(frozen=True)
class Limit:
    calls: int
    per_s: float


class Budget(Protocol):
    def try_acquire(self, key: str, limits: Sequence[Limit]) -> float:
        """Take one call from every window of `key` and return 0, or take nothing and return
        the seconds until a call could be taken."""
        ...


def per_second_and_minute(max_qps: float, max_qpm: int) -> list[Limit]:
    # A fractional QPS (e.g. 2.5) becomes whole calls over a window shorter or longer than 1 s.
    calls = max(1, math.floor(max_qps))
    return [Limit(calls, calls / max_qps), Limit(max_qpm, 60.0)]


def acquire(
    budget: Budget,
    key: str,
    limits: Sequence[Limit],
    *,
    wait: Callable[[float], None],
    max_wait_s: float,
    on_wait: Callable[[float], None] | None = None,
) -> float:
    """Block (through `wait`, so a cancel can interrupt) until a call is granted; return the
    seconds waited. Raises RateLimited when the grant would come later than `max_wait_s`."""
    waited = 0.0
    while (needed := budget.try_acquire(key, limits)) > 0:
        if waited + needed > max_wait_s:
            raise RateLimited(
                f"The shared API budget stayed exhausted for more than {max_wait_s:.0f} s "
                "(other jobs are using it); try again later.",
                retry_after_s=needed,
            )
        if on_wait is not None:
            on_wait(needed)
        wait(needed)
        waited += needed
    return waited


class LocalBudget:
    """One process's windows: timestamps of granted calls per (key, window)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._granted: dict[tuple[str, Limit], deque[float]] = {}

    def try_acquire(self, key: str, limits: Sequence[Limit]) -> float:
        with self._lock:
            now = self._clock()
            windows = [(limit, self._window(key, limit, now)) for limit in limits]
            needed = max((_wait_for(limit, granted, now) for limit, granted in windows), default=0.0)
            if needed > 0:
                return needed
            for _, granted in windows:
                granted.append(now)
            return 0.0

    def _window(self, key: str, limit: Limit, now: float) -> deque[float]:
        granted = self._granted.setdefault((key, limit), deque())
        while granted and granted[0] <= now - limit.per_s:
            granted.popleft()
        return granted


def _wait_for(limit: Limit, granted: deque[float], now: float) -> float:
    if len(granted) < limit.calls:
        return 0.0
    # The window frees up when enough of its oldest grants have aged out.
    return max(granted[len(granted) - limit.calls] + limit.per_s - now, 1e-3)


# KEYS: one sorted set per window. ARGV: member, then (calls, window_ms) per key.
_ACQUIRE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local needed = 0
for i, key in ipairs(KEYS) do
  local calls = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= calls then
    local edge = redis.call('ZRANGE', key, count - calls, count - calls, 'WITHSCORES')
    needed = math.max(needed, tonumber(edge[2]) + window - now, 1)
  end
end
if needed > 0 then return needed end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i + 1]))
end
return 0
"""


class RedisBudget:
    """Windows in Redis, shared by every worker that uses the same Redis and prefix."""

    def __init__(self, client: Any, prefix: str) -> None:
        self._script = client.register_script(_ACQUIRE_LUA)
        self._prefix = prefix

    def try_acquire(self, key: str, limits: Sequence[Limit]) -> float:
        keys = [f"{self._prefix}:{key}:{limit.calls}/{limit.per_s:g}s" for limit in limits]
        args: list[Any] = [uuid.uuid4().hex]
        for limit in limits:
            args += [limit.calls, max(1, round(limit.per_s * 1000))]
        needed_ms = int(self._script(keys=keys, args=args))
        return needed_ms / 1000


_shared_lock = threading.Lock()
_shared: dict[tuple[str | None, str], Budget] = {}
_Shared = TypeVar("_Shared")


def _process_wide(
    cache: dict[tuple[str | None, str], _Shared],
    build: Callable[[str | None, str], _Shared],
    redis_url: str | None,
    namespace: str,
) -> _Shared:
    """One object per (store, namespace) for the whole process, built on first use."""
    with _shared_lock:
        found = cache.get((redis_url, namespace))
        if found is None:
            found = cache[(redis_url, namespace)] = build(redis_url, namespace)
        return found


def open_budget(redis_url: str | None, namespace: str) -> Budget:
    """The process-wide budget for `namespace`: in Redis when `redis_url` is set, else local.
    The same arguments always give the same object, so every job in a process shares it."""
    return _process_wide(_shared, _build, redis_url, namespace)


def _build(redis_url: str | None, namespace: str) -> Budget:
    if redis_url is None:
        return LocalBudget()
    import redis  # optional dependency: only needed when Redis is configured

    return RedisBudget(redis.Redis.from_url(redis_url), prefix=f"ratelimit:{namespace}")


class DailyQuota(Protocol):
    def take(self, key: str, limit: int) -> int | None:
        """Count one call for `key` today and return today's count, or count nothing and return
        None when today already has `limit` calls."""
        ...

    def used_today(self, key: str) -> int: ...


def next_utc_midnight(now: datetime) -> datetime:
    return datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


class LocalDailyQuota:
    """One process's counts per (key, UTC day)."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], int] = {}

    def take(self, key: str, limit: int) -> int | None:
        with self._lock:
            slot = (key, self._clock().date().isoformat())
            used = self._counts.get(slot, 0)
            if used >= limit:
                return None
            self._counts = {k: v for k, v in self._counts.items() if k[1] == slot[1]}
            self._counts[slot] = used + 1
            return used + 1

    def used_today(self, key: str) -> int:
        with self._lock:
            return self._counts.get((key, self._clock().date().isoformat()), 0)


# KEYS: the key's prefix. ARGV: limit (0 = only read). The day and its expiry come from the Redis
# clock, so every worker agrees on when the UTC day turns.
_DAILY_LUA = """
local t = redis.call('TIME')
local day = math.floor(tonumber(t[1]) / 86400)
local key = KEYS[1] .. ':' .. day
local used = tonumber(redis.call('GET', key) or '0')
local limit = tonumber(ARGV[1])
if limit == 0 then return used end
if used >= limit then return -1 end
used = redis.call('INCR', key)
redis.call('EXPIREAT', key, (day + 2) * 86400)
return used
"""


class RedisDailyQuota:
    """Daily counts in Redis, shared by every worker that uses the same Redis and prefix."""

    def __init__(self, client: Any, prefix: str) -> None:
        self._script = client.register_script(_DAILY_LUA)
        self._prefix = prefix

    def take(self, key: str, limit: int) -> int | None:
        used = int(self._script(keys=[f"{self._prefix}:{key}"], args=[max(1, limit)]))
        return None if used < 0 else used

    def used_today(self, key: str) -> int:
        return int(self._script(keys=[f"{self._prefix}:{key}"], args=[0]))


_shared_quotas: dict[tuple[str | None, str], DailyQuota] = {}


def open_daily_quota(redis_url: str | None, namespace: str) -> DailyQuota:
    """The process-wide daily quota for `namespace`, in the same store as `open_budget`'s."""
    return _process_wide(_shared_quotas, _build_quota, redis_url, namespace)


def _build_quota(redis_url: str | None, namespace: str) -> DailyQuota:
    if redis_url is None:
        return LocalDailyQuota()
    import redis

    return RedisDailyQuota(redis.Redis.from_url(redis_url), prefix=f"daily:{namespace}")
