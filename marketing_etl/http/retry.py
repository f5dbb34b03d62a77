"""The one retry helper for every outside API, built on tenacity.

A platform brings a RetryRule: its classifier (is a failure transient, throttled with a wait to
honour, or fatal), its back-off, its budget and its words (what to announce before a wait, what
error ends the job when the attempts or the budget run out). The helper counts the attempts and
the waits and sleeps through the wait it is given, the job's cancellable `ctx.wait()`, so a cancel
still interrupts a back-off. The operation may be compound (read, then change, re-planned from a
fresh read): it is retried whole, so it must be safe to repeat.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

import tenacity

T = TypeVar("T")


class Kind(Enum):
    TRANSIENT = "transient"  # a fault on the other side: back off and try again
    THROTTLED = "throttled"  # over a rate limit: wait as asked (or back off) and try again
    FATAL = "fatal"  # trying again cannot help: the error goes up as it is


@dataclass(frozen=True)
class Decision:
    kind: Kind
    wait_s: float | None = None  # the wait the platform asked for (Retry-After, an ETA)


TRANSIENT = Decision(Kind.TRANSIENT)
FATAL = Decision(Kind.FATAL)


@dataclass(frozen=True)
class Backoff:
    """Pauses doubling from first_s up to cap_s, for at most max_attempts attempts (None: until
    the budget is spent). With jitter half of each pause is random, so callers hit by the same
    failure spread out instead of retrying in step."""

    first_s: float = 1.0
    cap_s: float = 60.0
    max_attempts: int | None = None
    jitter: bool = True

    def pause_s(self, failures: int, rng: random.Random) -> float:
        ceiling = min(self.cap_s, self.first_s * 2.0 ** (failures - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2) if self.jitter else ceiling


@dataclass(frozen=True)
class Failed:
    """One failed attempt that the rule's hooks see."""

    error: BaseException
    decision: Decision
    attempt: int  # attempts made so far, this one included
    failures: int  # failures counted by this failure's back-off, this one included
    waited_s: float  # waited so far in this operation
    pause_s: float  # the wait before the next attempt


@dataclass(frozen=True)
class RetryRule:
    classify: Callable[[BaseException], Decision]
    give_up: Callable[[Failed], BaseException]  # the error once attempts or budget are spent
    backoff: Backoff = Backoff()
    # Throttling counted and paced apart from faults (Facebook's); None: one sequence for both.
    throttled: Backoff | None = None
    max_wait_s: float = math.inf  # the budget: all waits of one operation
    # A budget shared beyond one operation (Facebook's, by all accounts of a job), asked last
    # before each wait; False ends the retries as a spent budget does.
    book: Callable[[Failed], bool] | None = None
    announce: Callable[[Failed], None] | None = None  # told before each wait

    def backoff_for(self, kind: Kind) -> Backoff:
        return self.throttled if kind is Kind.THROTTLED and self.throttled else self.backoff


class Waits:
    """The waits of one operation, counted against its budget. An operation that waits by
    itself (for a shared call budget) adds its waits here too."""

    def __init__(self) -> None:
        self.waited_s = 0.0

    def add(self, seconds: float) -> None:
        self.waited_s += seconds


class Retrier:
    """A platform's rule bound to the wait that sleeps (the job's cancellable one)."""

    def __init__(
        self, rule: RetryRule, wait: Callable[[float], None], rng: random.Random | None = None
    ) -> None:
        self._rule = rule
        self._wait = wait
        self._rng = rng or random.Random()

    def call(self, operation: Callable[[], T], *, waits: Waits | None = None) -> T:
        run = _Run[T](self._rule, waits or Waits(), self._rng)
        retrying = tenacity.Retrying(
            retry=run.retry,
            wait=run.pause_s,
            stop=run.stop,
            before_sleep=run.before_sleep,
            retry_error_callback=run.give_up,
            sleep=self._wait,
        )
        return retrying(operation)


class _Run(Generic[T]):
    """One call's state, read by the tenacity hooks in their order: retry, wait, stop, then
    before_sleep or give_up."""

    def __init__(self, rule: RetryRule, waits: Waits, rng: random.Random) -> None:
        self._rule = rule
        self._waits = waits
        self._rng = rng
        self._failures: Counter[Kind] = Counter()  # per back-off sequence (one, or one per kind)
        self._last: Failed | None = None

    def retry(self, state: tenacity.RetryCallState) -> bool:
        error = state.outcome.exception() if state.outcome else None
        if error is None:
            return False
        decision = self._rule.classify(error)
        if decision.kind is Kind.FATAL:
            return False
        sequence = decision.kind if self._rule.throttled else Kind.TRANSIENT
        self._failures[sequence] += 1
        failures = self._failures[sequence]
        backoff = self._rule.backoff_for(decision.kind)
        pause_s = decision.wait_s if decision.wait_s is not None else backoff.pause_s(failures, self._rng)
        self._last = Failed(error, decision, state.attempt_number, failures, self._waits.waited_s, pause_s)
        return True

    def pause_s(self, state: tenacity.RetryCallState) -> float:
        return self.last.pause_s

    def stop(self, state: tenacity.RetryCallState) -> bool:
        failed, rule = self.last, self._rule
        most = rule.backoff_for(failed.decision.kind).max_attempts
        if most is not None and failed.failures >= most:
            return True
        if failed.waited_s + failed.pause_s > rule.max_wait_s:
            return True
        return rule.book is not None and not rule.book(failed)

    def before_sleep(self, state: tenacity.RetryCallState) -> None:
        self._waits.add(self.last.pause_s)
        if self._rule.announce is not None:
            self._rule.announce(self.last)

    def give_up(self, state: tenacity.RetryCallState) -> T:
        raise self._rule.give_up(self.last) from self.last.error

    @property
    def last(self) -> Failed:
        assert self._last is not None, "tenacity asks for a wait only after a retried failure"
        return self._last
