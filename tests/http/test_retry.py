"""The retry helper: what the classifier decides, the back-offs, the waits a platform asks for,
the budgets, the words on giving up, and a cancel that interrupts a back-off."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from marketing_etl.context import JobContext
from marketing_etl.contracts.store import Store
from marketing_etl.errors import JobCancelled, RateLimited, TransientError, UserError
from marketing_etl.http import FATAL, TRANSIENT, Backoff, Decision, Failed, Kind, Retrier, RetryRule, Waits
from tests.http.conftest import cancel_after


class Busy(Exception):
    def __init__(self, wait_s: float | None = None) -> None:
        super().__init__("busy")
        self.wait_s = wait_s


class Down(Exception):
    pass


def classify(error: BaseException) -> Decision:
    if isinstance(error, Busy):
        return Decision(Kind.THROTTLED, error.wait_s)
    return TRANSIENT if isinstance(error, Down) else FATAL


def gave_up(failed: Failed) -> TransientError:
    return RateLimited(f"Acme kept refusing for {failed.waited_s:.0f} s ({failed.error}).")


def script(*outcomes: Exception | str) -> Callable[[], str]:
    """An operation that fails or answers as scripted, one outcome per attempt."""
    pending = list(outcomes)

    def operation() -> str:
        outcome = pending.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return operation


class Clock:
    """Stands in for ctx.wait: records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def retrier(clock: Clock, **rule: object) -> Retrier:
    values: dict[str, object] = {
        "classify": classify, "give_up": gave_up, "backoff": Backoff(first_s=1.0, jitter=False)
    }
    values.update(rule)
    return Retrier(RetryRule(**values), clock, random.Random(3))  # type: ignore[arg-type]


def test_transient_failures_back_off_doubling_then_succeed() -> None:
    clock = Clock()
    assert retrier(clock).call(script(Down(), Down(), Down(), "rows")) == "rows"
    assert clock.waits == [1.0, 2.0, 4.0]


def test_a_fatal_error_goes_up_at_once_as_it_is() -> None:
    clock = Clock()
    refused = UserError("Check the account id.")
    with pytest.raises(UserError) as caught:
        retrier(clock).call(script(refused, "never"))
    assert caught.value is refused and clock.waits == []


def test_a_throttle_waits_as_asked_else_backs_off() -> None:
    clock = Clock()
    assert retrier(clock).call(script(Busy(wait_s=7.5), Busy(), "rows")) == "rows"
    assert clock.waits == [7.5, 2.0]  # the second failure of one shared sequence


def test_throttling_counted_apart_has_its_own_back_off() -> None:
    clock = Clock()
    minute = Backoff(first_s=60.0, cap_s=600.0, jitter=False)
    operation = script(Down(), Busy(), Down(), Busy(), "rows")
    assert retrier(clock, throttled=minute).call(operation) == "rows"
    assert clock.waits == [1.0, 60.0, 2.0, 120.0]


def test_jittered_pauses_stay_between_half_and_the_whole_ceiling() -> None:
    backoff, rng = Backoff(first_s=1.0, cap_s=8.0), random.Random(1)
    for failures, ceiling in [(1, 1.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        pauses = {backoff.pause_s(failures, rng) for _ in range(50)}
        assert all(ceiling / 2 <= pause <= ceiling for pause in pauses)
        assert len(pauses) > 1


def test_attempts_run_out_with_the_platforms_words() -> None:
    clock = Clock()
    seen: list[Failed] = []

    def kept_failing(failed: Failed) -> TransientError:
        seen.append(failed)
        return TransientError(f"Acme kept failing after {failed.failures} attempts.")

    rule = {"give_up": kept_failing, "backoff": Backoff(first_s=0.5, max_attempts=3, jitter=False)}
    last = Down("HTTP 503")
    with pytest.raises(TransientError, match=r"^Acme kept failing after 3 attempts\.$") as caught:
        retrier(clock, **rule).call(script(Down(), Down(), last, "never"))
    assert caught.value.__cause__ is last
    assert clock.waits == [0.5, 1.0]
    assert (seen[0].attempt, seen[0].waited_s) == (3, 1.5)


def test_the_budget_ends_the_retries_before_a_wait_that_would_pass_it() -> None:
    clock = Clock()
    with pytest.raises(RateLimited, match=r"^Acme kept refusing for 3 s \(busy\)\.$"):
        retrier(clock, max_wait_s=10.0).call(script(Busy(1.0), Busy(2.0), Busy(8.0), "never"))
    assert clock.waits == [1.0, 2.0]  # 3 + 8 > 10: the third wait is never started


def test_waits_made_inside_the_operation_count_against_the_budget() -> None:
    clock, waits = Clock(), Waits()
    failures = script(Busy(1.0), Busy(1.0), "rows")

    def operation() -> str:
        waits.add(4.0)  # e.g. a wait for a call budget shared with other jobs
        return failures()

    with pytest.raises(RateLimited, match="for 9 s"):  # 4 + 1 + 4 waited; one more would pass 9
        retrier(clock, max_wait_s=9.0).call(operation, waits=waits)
    assert clock.waits == [1.0]


def test_a_budget_shared_beyond_the_operation_can_refuse_a_wait() -> None:
    clock, booked = Clock(), []

    def book(failed: Failed) -> bool:
        booked.append(failed.pause_s)
        return sum(booked) <= 5.0

    with pytest.raises(RateLimited):
        retrier(clock, book=book).call(script(Busy(3.0), Busy(3.0), "never"))
    assert clock.waits == [3.0] and booked == [3.0, 3.0]


def test_each_wait_is_announced_before_it_starts() -> None:
    clock, said = Clock(), []

    def announce(failed: Failed) -> None:
        said.append(f"{failed.decision.kind.value} #{failed.attempt}: waiting {failed.pause_s} s")
        assert len(clock.waits) == failed.attempt - 1

    assert retrier(clock, announce=announce).call(script(Busy(2.0), Down(), "rows")) == "rows"
    assert said == ["throttled #1: waiting 2.0 s", "transient #2: waiting 2.0 s"]


def test_a_compound_operation_is_retried_whole() -> None:
    clock, steps = Clock(), []
    sheet = {"rows": 0}

    def read_then_change() -> int:
        rows = sheet["rows"]  # re-planned from a fresh read on every attempt
        steps.append(f"read {rows}")
        if len(steps) == 1:
            sheet["rows"] = 10  # someone else changed it meanwhile
            raise Down()
        steps.append(f"write below {rows}")
        return rows

    assert retrier(clock).call(read_then_change) == 10
    assert steps == ["read 0", "read 10", "write below 10"]


def test_cancel_interrupts_a_back_off_promptly(ctx: JobContext, store: Store) -> None:
    rule = RetryRule(classify=classify, give_up=gave_up)
    timer = cancel_after(store, 0.3)
    started = time.monotonic()
    try:
        with pytest.raises(JobCancelled):
            Retrier(rule, ctx.wait).call(script(Busy(wait_s=60.0), "never"))
    finally:
        timer.cancel()
    assert time.monotonic() - started < 2.0
