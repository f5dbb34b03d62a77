"""How Graph API calls are retried: the rule the shared retry helper runs for Facebook.

Transient failures (5xx, Graph's is_transient, no answer) back off with jitter, at most
`transient_retries` times. Throttling waits as long as Facebook says, else backs off by the
minute, for as long as the job's wait budget (FACEBOOK_MAX_WAIT_S, shared by all its accounts,
throttle.py) allows, announcing until when. Everything else, a bad token first of all, is raised
by the client as the job's error and never retried.
"""

from __future__ import annotations

from collections.abc import Callable

from marketing_etl.errors import TransientError
from marketing_etl.http import FATAL, TRANSIENT, Backoff, Decision, Failed, Kind, NoAnswer, Retrier, RetryRule
from marketing_etl.sources.facebook.graph_errors import Failure, GraphError
from marketing_etl.sources.facebook.throttle import FacebookTuning, RateLimiter
from marketing_etl.sources.facebook.usage import Usage

_WHAT_CHARS = 200


class GraphFailure(TransientError):
    """A Graph answer worth asking for again: throttled, or a fault on Facebook's side."""

    def __init__(self, error: GraphError, usage: Usage, account_id: str) -> None:
        super().__init__(error.describe())
        self.throttled = error.kind is Failure.THROTTLED
        self.usage = usage
        self.account_id = account_id


def graph_retrier(limiter: RateLimiter, tuning: FacebookTuning, sleep: Callable[[float], None]) -> Retrier:
    def classify(error: BaseException) -> Decision:
        if isinstance(error, GraphFailure) and error.throttled:
            return Decision(Kind.THROTTLED, limiter.requested_wait_s(error.usage))
        return TRANSIENT if isinstance(error, GraphFailure | NoAnswer) else FATAL

    def book(failed: Failed) -> bool:
        return failed.decision.kind is not Kind.THROTTLED or limiter.book(failed.pause_s)

    def announce(failed: Failed) -> None:
        if failed.decision.kind is Kind.THROTTLED:
            limiter.announce_wait(failed.pause_s, _account(failed))

    def give_up(failed: Failed) -> TransientError:
        if failed.decision.kind is Kind.THROTTLED:
            return limiter.over_budget(failed.pause_s, _account(failed))
        what = str(failed.error)[:_WHAT_CHARS]
        return TransientError(
            f"Facebook kept failing ({what}) after {failed.failures} attempts; try the job again later."
        )

    rule = RetryRule(
        classify=classify,
        give_up=give_up,
        backoff=Backoff(
            first_s=tuning.transient_base_s,
            cap_s=tuning.transient_cap_s,
            max_attempts=tuning.transient_retries + 1,
        ),
        throttled=limiter.backoff,
        book=book,
        announce=announce,
    )
    return Retrier(rule, sleep)


def _account(failed: Failed) -> str:
    assert isinstance(failed.error, GraphFailure)  # only Graph answers are throttled
    return failed.error.account_id
