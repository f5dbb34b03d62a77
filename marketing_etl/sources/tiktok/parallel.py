"""Run independent API calls on a few threads without losing the job's context."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_in_threads(fn: Callable[[T], R], items: Sequence[T], workers: int) -> list[R]:
    """`[fn(item) for item in items]`, up to `workers` at a time, results in input order.

    Each call runs in a copy of the caller's context, so the job's log routing (a context
    variable) follows it. The first failure (a cancel, an auth error) stops the calls not yet
    started and is raised; calls already in flight finish their one request.
    """
    if workers <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        futures: list[Future[R]] = [pool.submit(contextvars.copy_context().run, fn, item) for item in items]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        errors = [error for f in futures if f in done and (error := f.exception()) is not None]
        if errors:
            for future in futures:
                future.cancel()
            raise errors[0]
        return [future.result() for future in futures]
