"""The one HTTP client for the daily-rates API: FX_API_URL, and FX_API_FALLBACK_URL when the
first cannot be reached.

Both are URL templates with `{date}` (YYYY-MM-DD) and `{base}` (lower-case code) placeholders;
the answer is `{"date": "2024-03-06", "usd": {"vnd": 24650.5, ...}}`: every quote for one base
on one day. A 404 means "nothing published for that day" (a weekend, a holiday, the future).
Timeouts, connection errors, 408/429/5xx are retried a few times with a doubling pause (the
shared retry helper); a URL still failing then is given up for the rest of the job and the next
one is asked. Every request is recorded as an ApiCall with platform "fx". Answers are kept per
(day, base) for the job, so a report asks at most once per day and base currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import httpx

from marketing_etl.context import JobContext
from marketing_etl.http import (
    FATAL,
    Answer,
    Backoff,
    Decision,
    Failed,
    Kind,
    NoAnswer,
    Retrier,
    RetryRule,
    open_client,
    retry_after_s,
)

PLATFORM = "fx"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
BACKOFF = Backoff(first_s=0.25, cap_s=1.0, max_attempts=3, jitter=False)
MAX_RETRY_AFTER_S = 10.0


class FxApiUnavailable(Exception):
    """No configured URL answered (after retries)."""


class _TryAgain(Exception):
    def __init__(self, problem: str, wait_s: float | None = None) -> None:
        super().__init__(problem)
        self.wait_s = wait_s


@dataclass(frozen=True)
class Quotes:
    day: date  # the day the answer says it is for
    rates: dict[str, Decimal]  # quote code -> units of it for one unit of the base
    source: str  # "fx-api" or "fx-api-fallback"


@dataclass(frozen=True)
class _Url:
    template: str
    source: str

    @property
    def endpoint(self) -> str:
        # Placeholders kept: one dashboard row per URL shape, not per day.
        parts = urlsplit(self.template)
        return f"GET {parts.netloc}{parts.path}"


class FxApiClient:
    def __init__(
        self,
        ctx: JobContext,
        primary: str,
        fallback: str | None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._ctx = ctx
        self._urls = [_Url(primary, "fx-api")]
        if fallback:
            self._urls.append(_Url(fallback, "fx-api-fallback"))
        self._down: set[str] = set()
        self._answers: dict[tuple[date, str], Quotes | None] = {}
        self._api = open_client(ctx, PLATFORM, timeout=TIMEOUT, follow_redirects=True, transport=transport)
        self._retry = Retrier(RetryRule(classify=_classify, give_up=_gave_up, backoff=BACKOFF), ctx.wait)

    def close(self) -> None:
        self._api.close()

    def quotes(self, day: date, base: str) -> Quotes | None:
        """Every quote for `base` published for `day`; None if nothing was published."""
        key = (day, base)
        if key not in self._answers:
            self._answers[key] = self._fetch(day, base)
        return self._answers[key]

    def _fetch(self, day: date, base: str) -> Quotes | None:
        for url in self._urls:
            if url.template in self._down:
                continue
            try:
                return self._retry.call(partial(self._get, url, day, base))
            except FxApiUnavailable as exc:
                self._down.add(url.template)
                self._ctx.log(f"Exchange-rate API {url.source} given up for this job: {exc}", "WARNING")
        raise FxApiUnavailable("no exchange-rate API could be reached")

    def _get(self, url: _Url, day: date, base: str) -> Quotes | None:
        self._ctx.check_cancel()
        address = url.template.format(date=day.isoformat(), base=base.lower())
        try:
            answer = self._api.send("GET", address, _read, endpoint=url.endpoint)
        except NoAnswer as exc:
            raise _TryAgain(f"{exc.user_message} for {day} {base}") from exc
        response = answer.response
        if response.status_code in RETRY_STATUSES:
            raise _TryAgain(f"{answer.error} for {day} {base}", _honoured_wait_s(response))
        if response.status_code == 404:
            return None
        if not response.is_success:
            raise FxApiUnavailable(f"{answer.error} for {day} {base}")
        return _parse(response, day, base, url.source)


def _read(response: httpx.Response) -> Answer:
    return Answer(response, None if response.is_success else f"HTTP {response.status_code}")


def _honoured_wait_s(response: httpx.Response) -> float | None:
    """Retry-After of a 429 (capped); otherwise the doubling pause."""
    if response.status_code != 429:
        return None
    wait_s = retry_after_s(response.headers)
    return None if wait_s is None else min(MAX_RETRY_AFTER_S, wait_s)


def _classify(error: BaseException) -> Decision:
    if isinstance(error, _TryAgain):
        return Decision(Kind.TRANSIENT, error.wait_s)
    return FATAL


def _gave_up(failed: Failed) -> FxApiUnavailable:
    return FxApiUnavailable(str(failed.error))


def _parse(response: httpx.Response, day: date, base: str, source: str) -> Quotes:
    try:
        body: Any = response.json(parse_float=Decimal)
    except ValueError as exc:
        raise FxApiUnavailable(f"an answer for {day} {base} that is not JSON") from exc
    table = body.get(base.lower()) if isinstance(body, dict) else None
    if not isinstance(table, dict):
        raise FxApiUnavailable(f"an answer for {day} {base} without a '{base.lower()}' table")
    rates = {
        str(code).upper(): Decimal(value)
        for code, value in table.items()
        if isinstance(value, int | Decimal) and not isinstance(value, bool) and value > 0
    }
    return Quotes(_answer_day(body.get("date"), day), rates, source)


def _answer_day(text: object, asked: date) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        return asked
