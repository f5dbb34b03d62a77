"""The one HTTP client for the Graph API, with its one retry policy.

Every call: cancel check, request (token in the Authorization header, never in a URL), usage
headers parsed (errors included), an ApiCall recorded with the path only, then
success -> pacing; throttling -> wait (RateLimiter); transient -> jittered backoff, bounded;
anything else -> the job's exception (graph_errors.to_exception).
"""

from __future__ import annotations

import contextvars
import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import httpx

from marketing_etl.context import JobContext
from marketing_etl.errors import FatalError, TransientError
from marketing_etl.models import ApiCall
from marketing_etl.sources.facebook.graph_errors import Failure, parse_error, to_exception
from marketing_etl.sources.facebook.throttle import FacebookTuning, RateLimiter
from marketing_etl.sources.facebook.usage import Usage, parse_usage

PLATFORM = "facebook"
TIMEOUT = httpx.Timeout(120.0, connect=10.0)  # sync insights can take a minute to answer
_SLEEP_SLICE_S = 0.5

Params = Mapping[str, Any]
T = TypeVar("T")


class FetchAborted(Exception):
    """Another account of the job failed (or the reader went away): stop this one quietly."""


class GraphClient:
    def __init__(self, ctx: JobContext, tuning: FacebookTuning, concurrency: int) -> None:
        settings = ctx.settings
        self._ctx = ctx
        self._tuning = tuning
        self._prefix = f"/{settings.facebook_api_version}"
        self.page_size = settings.facebook_page_size
        self.aborted = threading.Event()
        self._http = httpx.Client(
            base_url=settings.facebook_graph_url.rstrip("/"),
            timeout=TIMEOUT,
            headers={"Authorization": f"Bearer {ctx.access_token}"},
            # Each account stream has one request in flight; the metadata reads of accounts
            # whose insights are done can overlap them.
            limits=httpx.Limits(max_connections=2 * concurrency, max_keepalive_connections=2 * concurrency),
        )
        self._ahead = ThreadPoolExecutor(2 * concurrency, thread_name_prefix=f"fb-ahead-{ctx.job_id}")
        self.limiter = RateLimiter(
            ctx,
            self.sleep,
            max_wait_s=settings.facebook_max_wait_s,
            seconds_per_minute=tuning.seconds_per_minute,
        )

    def close(self) -> None:
        self._ahead.shutdown(wait=True, cancel_futures=True)
        self._http.close()

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
        transient_failures = throttles = 0
        while True:
            self._check_running()
            started = time.monotonic()
            try:
                response = self._send(method, url, _encode(params))
            except httpx.TransportError as exc:
                no_usage = Usage(account_id=account_id)
                self._record(url, None, started, no_usage, f"no response: {type(exc).__name__}")
                transient_failures += 1
                self._back_off(transient_failures, f"no response ({type(exc).__name__})")
                continue
            usage = parse_usage(response.headers, account_id)
            body = _body(response)
            error = parse_error(response.status_code, body)
            self._record(url, response.status_code, started, usage, error.describe() if error else None)
            if error is None:
                self.limiter.after_success(usage, account_id)
                return body  # type: ignore[return-value]  # parse_error checked it is a mapping
            if error.kind is Failure.THROTTLED:
                throttles += 1
                self.limiter.after_throttle(usage, throttles, account_id)
            elif error.kind is Failure.TRANSIENT:
                transient_failures += 1
                self._back_off(transient_failures, error.describe()[:200])
            else:
                raise to_exception(error, account_id)

    def _send(self, method: str, url: str, params: dict[str, str]) -> httpx.Response:
        if method == "GET":
            return self._http.get(url, params=params)
        return self._http.post(url, data=params)

    def _back_off(self, failures: int, what: str) -> None:
        if failures > self._tuning.transient_retries:
            raise TransientError(
                f"Facebook kept failing ({what}) after {failures} attempts; try the job again later."
            )
        ceiling = min(self._tuning.transient_cap_s, self._tuning.transient_base_s * 2 ** (failures - 1))
        self.sleep(ceiling * random.uniform(0.5, 1.0))  # jitter: parallel accounts do not retry in step

    def _record(self, url: str, status: int | None, started: float, usage: Usage, error: str | None) -> None:
        self._ctx.record_api_call(
            ApiCall(
                job_id=self._ctx.job_id,
                platform=PLATFORM,
                endpoint=url,
                http_status=status,
                duration_ms=round((time.monotonic() - started) * 1000, 1),
                usage=usage.as_record(),
                error=error,
            )
        )


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
