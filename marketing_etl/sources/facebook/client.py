"""The one HTTP client for the Graph API, over the shared client factory and retry helper.

Every call: cancel check, request (token in the Authorization header, never in a URL), usage
headers parsed (errors included) into the ApiCall recorded with the path only, then
success -> pacing; throttling and transient failures -> the Facebook retry rule (retry.py);
anything else -> the job's exception (graph_errors.to_exception).
"""

from __future__ import annotations

import contextvars
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import httpx

from marketing_etl.context import JobContext
from marketing_etl.errors import FatalError
from marketing_etl.http import open_client
from marketing_etl.sources.facebook.graph_errors import Failure, GraphError, parse_error, to_exception
from marketing_etl.sources.facebook.pacing import RequestGate
from marketing_etl.sources.facebook.retry import GraphFailure, graph_retrier
from marketing_etl.sources.facebook.throttle import FacebookTuning, RateLimiter
from marketing_etl.sources.facebook.usage import Usage, parse_usage

PLATFORM = "facebook"
TIMEOUT = httpx.Timeout(120.0, connect=10.0)  # sync insights can take a minute to answer
_SLEEP_SLICE_S = 0.5
_RETRIED = frozenset({Failure.THROTTLED, Failure.TRANSIENT})

Params = Mapping[str, Any]
T = TypeVar("T")


class FetchAborted(Exception):
    """Another account of the job failed (or the reader went away): stop this one quietly."""


class GraphClient:
    def __init__(
        self,
        ctx: JobContext,
        tuning: FacebookTuning,
        concurrency: int,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        settings = ctx.settings
        self._ctx = ctx
        self._version = settings.facebook_api_version
        self._prefix = f"/{self._version}"
        self.page_size = settings.facebook_page_size
        self.aborted = threading.Event()
        self._reach_pct: dict[str, float] = {}  # per account, from the reach-throttle header
        self._api = open_client(
            ctx,
            PLATFORM,
            base_url=settings.facebook_graph_url.rstrip("/"),
            timeout=TIMEOUT,
            headers={"Authorization": f"Bearer {ctx.access_token}"},
            # The gate lets at most `concurrency` requests out at once.
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            transport=transport,
        )
        # Next pages and metadata reads wait here for the gate, next to the account threads.
        self._ahead = ThreadPoolExecutor(2 * concurrency, thread_name_prefix=f"fb-ahead-{ctx.job_id}")
        self.gate = RequestGate(concurrency, self._check_running)
        self.limiter = RateLimiter(
            ctx,
            self.sleep,
            max_wait_s=settings.facebook_max_wait_s,
            seconds_per_minute=tuning.seconds_per_minute,
            hold_requests=self.gate.hold_for,
        )
        self._retry = graph_retrier(self.limiter, tuning, self.sleep)

    def close(self) -> None:
        self._ahead.shutdown(wait=True, cancel_futures=True)
        self._api.close()

    def get(self, path: str, params: Params, *, account_id: str) -> dict[str, Any]:
        return self._call("GET", path, params, account_id)

    def post(self, path: str, params: Params, *, account_id: str) -> dict[str, Any]:
        return self._call("POST", path, params, account_id)

    def pages(self, path: str, params: Params, *, account_id: str) -> Iterator[list[dict[str, Any]]]:
        """Each page's rows, following `after` cursors while Facebook says there is a `next` page.
        The next page is requested before this one is handed out: shaping a page overlaps the
        wait for the next, while the pages of one stream are still asked for one at a time."""
        seen: set[str] = set()
        query = {**params, "limit": self.page_size}
        pending: Future[dict[str, Any]] | None = self._request_ahead(path, query, account_id)
        try:
            while pending is not None:
                body = pending.result()
                cursor = _next_cursor(body, seen, f"{path} of ad account {account_id}")
                pending = None
                if cursor is not None:
                    pending = self._request_ahead(path, {**query, "after": cursor}, account_id)
                yield list(body.get("data") or [])
        finally:
            if pending is not None:
                pending.cancel()

    def reach_used_pct(self, account_id: str) -> float:
        """How much of the account's daily reach-with-breakdowns allowance Facebook last said
        was used (0 until it has said)."""
        return self._reach_pct.get(account_id, 0.0)

    def in_background(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Run `fn` on the client's helper threads, in a copy of the caller's context so that
        its calls are logged and recorded for this job."""
        return self._ahead.submit(contextvars.copy_context().run, fn, *args)

    def _request_ahead(self, path: str, query: Params, account_id: str) -> Future[dict[str, Any]]:
        return self.in_background(self._call, "GET", path, query, account_id)

    def read_objects(self, ids: list[str], fields: str, *, account_id: str) -> dict[str, Any]:
        """Up to 50 objects in one call, keyed by id."""
        return self.get("", {"ids": ",".join(ids), "fields": fields}, account_id=account_id)

    def sleep(self, seconds: float) -> None:
        """A wait that ends early on cancel or abort."""
        end = time.monotonic() + seconds
        while (remaining := end - time.monotonic()) > 0:
            self._check_running()
            self._ctx.wait(min(_SLEEP_SLICE_S, remaining))

    def _check_running(self) -> None:
        if self.aborted.is_set():
            raise FetchAborted()
        self._ctx.check_cancel()

    def _call(self, method: str, path: str, params: Params, account_id: str) -> dict[str, Any]:
        url = f"{self._prefix}/{path}"
        return self._retry.call(partial(self._attempt, method, url, _encode(params), account_id))

    def _attempt(self, method: str, url: str, params: dict[str, str], account_id: str) -> dict[str, Any]:
        with self.gate.slot():
            reading = self._api.send(
                method,
                url,
                partial(_read, account_id=account_id),
                endpoint=url,
                usage=Usage(account_id=account_id).as_record(),
                params=params if method == "GET" else None,
                data=None if method == "GET" else params,
            )
            # Before the place is freed: the next request is admitted knowing this usage.
            self.gate.observe(account_id, reading.figures)
        failure = reading.failure
        if failure is None:
            self.limiter.after_success(reading.figures, account_id)
            if reading.figures.reach_pct is not None:
                self._reach_pct[account_id] = reading.figures.reach_pct
            return reading.body
        if failure.kind in _RETRIED:
            raise GraphFailure(failure, reading.figures, account_id)
        raise to_exception(failure, account_id, self._version)


@dataclass(frozen=True)
class _Reading:
    body: dict[str, Any]
    figures: Usage
    failure: GraphError | None

    @property
    def usage(self) -> dict[str, Any]:
        return self.figures.as_record()

    @property
    def error(self) -> str | None:
        return self.failure.describe() if self.failure else None


def _read(response: httpx.Response, *, account_id: str) -> _Reading:
    body = _body(response)
    failure = parse_error(response.status_code, body)
    usage = parse_usage(response.headers, account_id)
    return _Reading(body if isinstance(body, dict) else {}, usage, failure)


def _next_cursor(body: Mapping[str, Any], seen: set[str], what: str) -> str | None:
    """The `after` cursor of the next page; None on the last page (Facebook leaves out `next`)."""
    paging = body.get("paging") or {}
    if not paging.get("next"):
        return None
    cursor = (paging.get("cursors") or {}).get("after")
    if not cursor:
        raise FatalError(f"Facebook announced another page for {what} but sent no cursor to read it.")
    if cursor in seen:
        raise FatalError(
            f"Facebook's paging for {what} went in a circle (it returned a page cursor twice); "
            "stopped to avoid reading the same rows forever."
        )
    seen.add(cursor)
    return str(cursor)


def _encode(params: Params) -> dict[str, str]:
    """Graph's encoding: lists and objects as compact JSON, booleans as true/false."""
    encoded: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, bool):
            encoded[key] = "true" if value else "false"
        elif isinstance(value, list | dict):
            encoded[key] = json.dumps(value, separators=(",", ":"), sort_keys=True)
        else:
            encoded[key] = str(value)
    return encoded


def _body(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None  # e.g. a bare "Service Unavailable" page; parse_error treats it by status
