"""The one retry policy for Google Sheets calls.

429, 5xx, 408, timeouts and dropped connections are retried with jittered exponential backoff
until the waits would add up to more than SHEETS_MAX_WAIT_S. Only idempotent operations are
retried (values at explicit ranges, absolute grid sizes, structure changes re-planned from a
fresh read), so a request that Google applied but answered with an error is harmless to repeat.
Waits go through ctx.wait(), so a cancel interrupts them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from marketing_etl.context import JobContext
from marketing_etl.errors import RateLimited, TransientError

T = TypeVar("T")


class Retryable(TransientError):
    """A Sheets answer that may succeed if asked again."""

    def __init__(self, user_message: str, *, status: int | None, retry_after_s: float | None = None):
        super().__init__(user_message)
        self.status = status
        self.retry_after_s = retry_after_s


@dataclass
class RetryPolicy:
    max_wait_s: float
    base_s: float = 1.0
    cap_s: float = 64.0
    rng: random.Random = field(default_factory=random.Random)

    def delay_s(self, attempt: int, retry_after_s: float | None) -> float:
        if retry_after_s is not None:
            return retry_after_s
        ceiling = min(self.cap_s, self.base_s * 2.0**attempt)
        # Half fixed, half random: workers hit by the same 429 spread out instead of colliding.
        return ceiling / 2 + self.rng.random() * ceiling / 2

    def run(self, ctx: JobContext, operation: Callable[[], T]) -> T:
        waited = 0.0
        attempt = 0
        while True:
            try:
                return operation()
            except Retryable as exc:
                pause = self.delay_s(attempt, exc.retry_after_s)
                if waited + pause > self.max_wait_s:
                    raise _gave_up(exc, waited) from exc
                ctx.progress(None, f"{exc.user_message} Retrying in {pause:.1f} s.")
                ctx.wait(pause)
                waited += pause
                attempt += 1


def _gave_up(exc: Retryable, waited: float) -> TransientError:
    message = (
        f"{exc.user_message} Google Sheets kept refusing for {waited:.0f} s "
        "(the SHEETS_MAX_WAIT_S limit), so the job stopped."
    )
    if exc.status == 429:
        return RateLimited(message)
    return TransientError(message)
