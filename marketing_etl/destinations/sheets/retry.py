"""How Google Sheets calls are retried (the rule the shared retry helper runs).

429, 5xx, 408, timeouts and dropped connections are retried with jittered exponential backoff
(or after Google's Retry-After) until the waits would add up to more than SHEETS_MAX_WAIT_S.
Only idempotent operations are retried (values at explicit ranges, absolute grid sizes, structure
changes re-planned from a fresh read), so a request that Google applied but answered with an
error is harmless to repeat.
"""

from __future__ import annotations

import random

from marketing_etl.context import JobContext
from marketing_etl.errors import RateLimited, TransientError
from marketing_etl.http import FATAL, Backoff, Decision, Failed, Kind, Retrier, RetryRule

CAP_S = 64.0


class Retryable(TransientError):
    """A Sheets answer that may succeed if asked again."""

    def __init__(self, user_message: str, *, status: int | None, retry_after_s: float | None = None):
        super().__init__(user_message)
        self.status = status
        self.retry_after_s = retry_after_s


def sheets_retrier(
    ctx: JobContext, *, max_wait_s: float, backoff_base_s: float, rng: random.Random | None
) -> Retrier:
    def announce(failed: Failed) -> None:
        ctx.progress(None, f"{_said(failed)} Retrying in {failed.pause_s:.1f} s.")

    rule = RetryRule(
        classify=classify,
        give_up=_gave_up,
        backoff=Backoff(first_s=backoff_base_s, cap_s=CAP_S),
        max_wait_s=max_wait_s,
        announce=announce,
    )
    return Retrier(rule, ctx.wait, rng)


def classify(error: BaseException) -> Decision:
    if isinstance(error, Retryable):
        return Decision(Kind.TRANSIENT, error.retry_after_s)
    return FATAL


def _said(failed: Failed) -> str:
    assert isinstance(failed.error, Retryable)  # the only error `classify` retries
    return failed.error.user_message


def _gave_up(failed: Failed) -> TransientError:
    message = (
        f"{_said(failed)} Google Sheets kept refusing for {failed.waited_s:.0f} s "
        "(the SHEETS_MAX_WAIT_S limit), so the job stopped."
    )
    if isinstance(failed.error, Retryable) and failed.error.status == 429:
        return RateLimited(message)
    return TransientError(message)
