"""Acme's report API through the shared client factory: every call recorded, one retry rule.

Acme answers throttling with HTTP 429 and the wait it asks for in the body
(`{"error": {"code": "rate_limited", "retry_after_ms": 200}}`), server faults with 5xx, and a
bad token with 401. The classifier below is all the platform brings; `Retrier` does the waiting,
through the job's cancellable wait.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import Any

import httpx

from marketing_etl.context import JobContext
from marketing_etl.errors import AccessDenied, RateLimited, TransientError
from marketing_etl.http import (
    FATAL,
    TRANSIENT,
    Answer,
    ApiClient,
    Backoff,
    Decision,
    Failed,
    Kind,
    NoAnswer,
    Retrier,
    RetryRule,
    open_client,
)

PLATFORM = "acme"
REPORT_PATH = "/v1/reports/daily"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
BACKOFF = Backoff(first_s=0.05, cap_s=2.0, max_attempts=6)


class AcmeThrottled(RateLimited):
    pass


def read(response: httpx.Response) -> Answer:
    if response.status_code == 200:
        return Answer(response)
    return Answer(response, error=f"HTTP {response.status_code}: {response.text[:200]}")


def classify(error: BaseException) -> Decision:
    if isinstance(error, AcmeThrottled):
        return Decision(Kind.THROTTLED, error.retry_after_s)
    if isinstance(error, NoAnswer | TransientError):
        return TRANSIENT
    return FATAL


def give_up(failed: Failed) -> BaseException:
    return TransientError(f"Acme kept failing after {failed.attempt} attempts: {failed.error}")


class AcmeClient:
    def __init__(self, ctx: JobContext, base_url: str) -> None:
        headers = {"Authorization": f"Bearer {ctx.access_token}"}
        self._api: ApiClient = open_client(ctx, PLATFORM, timeout=TIMEOUT, base_url=base_url, headers=headers)
        self._retrier = Retrier(RetryRule(classify, give_up, backoff=BACKOFF), ctx.wait)

    def close(self) -> None:
        self._api.close()

    def daily_rows(self, params: Mapping[str, str]) -> Iterator[dict[str, Any]]:
        """Every row of the report, page after page."""
        page_token = ""
        while True:
            query = {**params, **({"page_token": page_token} if page_token else {})}
            body = self._retrier.call(partial(self._page, query))
            yield from body["rows"]
            page_token = body.get("next_page_token") or ""
            if not page_token:
                return

    def _page(self, query: Mapping[str, str]) -> dict[str, Any]:
        answer = self._api.send("GET", REPORT_PATH, read, endpoint=REPORT_PATH, params=query)
        status = answer.response.status_code
        if status == 200:
            body: dict[str, Any] = answer.response.json()
            return body
        if status == 429:
            wait_ms = answer.response.json()["error"]["retry_after_ms"]
            raise AcmeThrottled("Acme's rate limit was reached", retry_after_s=wait_ms / 1000)
        if status == 401:
            raise AccessDenied("Acme refused the access token: send the job again with a valid one.")
        if status >= 500:
            raise TransientError(f"Acme answered HTTP {status}")
        raise AccessDenied(f"Acme refused the request (HTTP {status}): {answer.error}")
