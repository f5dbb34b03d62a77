"""The client factory every outside-API client is built with.

`open_client` makes one platform's httpx client for one job: base URL, explicit timeouts, default
headers, and an injectable transport (a test runs a client in process with httpx.MockTransport).
`ApiClient.send` is the one place a request is made and recorded: an ApiCall per request with the
endpoint template, status, duration, and the usage figures and error that the platform's parser
read from the answer, stored through the job context, which masks the token first. A request that
gets no answer raises NoAnswer, which every platform's classifier treats as transient.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol, TypeVar

import httpx

from marketing_etl.context import JobContext
from marketing_etl.errors import TransientError
from marketing_etl.models import ApiCall

POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's own default


class Reading(Protocol):
    """What a platform's parser made of one answer; the call's record takes these two from it."""

    @property
    def usage(self) -> Mapping[str, Any]: ...

    @property
    def error(self) -> str | None: ...


R = TypeVar("R", bound=Reading)


@dataclass(frozen=True)
class Answer:
    """The reading of an API whose answers carry no usage figures: the response and its error."""

    response: httpx.Response
    error: str | None = None
    usage: Mapping[str, Any] = field(default_factory=dict)


class NoAnswer(TransientError):
    """The request got no HTTP answer: a timeout, a refused or dropped connection."""

    def __init__(self, cause: httpx.HTTPError) -> None:
        self.cause_name = type(cause).__name__
        super().__init__(f"no answer ({self.cause_name})")


class ApiClient:
    """One platform's HTTP client for one job."""

    def __init__(self, ctx: JobContext, platform: str, http: httpx.Client) -> None:
        self._ctx = ctx
        self.platform = platform
        # The bare client, for a request that is not a call of the platform's API (Google's
        # token exchange), so it shares the connections and the transport.
        self.http = http

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def send(
        self,
        method: str,
        url: str,
        read: Callable[[httpx.Response], R],
        *,
        endpoint: str,
        usage: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        content: bytes | Iterator[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> R:
        """`read` turns the answer into the platform's reading without raising; `endpoint` is
        the template the dashboard groups calls by; `usage` adds figures known before the call."""
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, url, params=params, data=data, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            failure = NoAnswer(exc)
            self._record(endpoint, None, _ms_since(started), dict(usage or {}), failure.user_message)
            raise failure from exc
        duration_ms = _ms_since(started)
        # httpx binds a response and its stream in a reference cycle, so a read body (a report
        # page: MBs) would wait for a full garbage collection; unbinding frees it with the response.
        response.stream = httpx.ByteStream(b"")
        reading = read(response)
        figures = {**(usage or {}), **reading.usage}
        self._record(endpoint, response.status_code, duration_ms, figures, reading.error)
        return reading

    def _record(
        self, endpoint: str, status: int | None, duration_ms: float, usage: dict[str, Any], error: str | None
    ) -> None:
        self._ctx.record_api_call(
            ApiCall(
                job_id=self._ctx.job_id,
                platform=self.platform,
                endpoint=endpoint,
                http_status=status,
                duration_ms=duration_ms,
                usage=usage,
                error=error,
            )
        )


def open_client(
    ctx: JobContext,
    platform: str,
    *,
    timeout: httpx.Timeout,
    base_url: str = "",
    headers: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    limits: httpx.Limits = POOL_LIMITS,
    follow_redirects: bool = False,
) -> ApiClient:
    """`limits` sizes the connection pool of the real transport; an injected one brings its own."""
    http = httpx.Client(
        base_url=base_url,
        timeout=timeout,
        headers=headers,
        transport=transport,
        limits=limits,
        follow_redirects=follow_redirects,
    )
    return ApiClient(ctx, platform, http)


def plain_client(
    *,
    timeout: httpx.Timeout,
    transport: httpx.BaseTransport | None = None,
    limits: httpx.Limits = POOL_LIMITS,
) -> httpx.Client:
    """A client for requests that belong to no job (a notification's delivery): the same explicit
    timeouts and pool, no redirects (a webhook that moves must be reconfigured, not followed
    with its signed body), and nothing recorded as a job's API call."""
    return httpx.Client(timeout=timeout, transport=transport, limits=limits, follow_redirects=False)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
