"""The one HTTP client for the daily-rates API: FX_API_URL, and FX_API_FALLBACK_URL when the
first cannot be reached.

Both are URL templates with `{date}` (YYYY-MM-DD) and `{base}` (lower-case code) placeholders;
the answer is `{"date": "2024-03-06", "usd": {"vnd": 24650.5, ...}}`: every quote for one base
on one day. A 404 means "nothing published for that day" (a weekend, a holiday, the future).
Timeouts, connection errors, 408/429/5xx are retried a few times with a doubling pause; a URL
still failing then is given up for the rest of the job and the next one is asked. Every request
is recorded as an ApiCall with platform "fx". Answers are kept per (day, base) for the job, so
a report asks at most once per day and base currency.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx

from marketing_etl.context import JobContext
from marketing_etl.models import ApiCall

PLATFORM = "fx"
TIMEOUT = httpx.Timeout(20.0, connect=5.0)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_ATTEMPTS = 3
FIRST_PAUSE_S = 0.25
MAX_RETRY_AFTER_S = 10.0


class FxApiUnavailable(Exception):
    """No configured URL answered (after retries)."""


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
    def __init__(self, ctx: JobContext, primary: str, fallback: str | None) -> None:
        self._ctx = ctx
        self._urls = [_Url(primary, "fx-api")]
        if fallback:
            self._urls.append(_Url(fallback, "fx-api-fallback"))
        self._down: set[str] = set()
        self._answers: dict[tuple[date, str], Quotes | None] = {}
        self._http = httpx.Client(timeout=TIMEOUT, follow_redirects=True)

    def close(self) -> None:
        self._http.close()

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
                return self._get(url, day, base)
            except FxApiUnavailable as exc:
                self._down.add(url.template)
                self._ctx.log(f"Exchange-rate API {url.source} given up for this job: {exc}", "WARNING")
        raise FxApiUnavailable("no exchange-rate API could be reached")

    def _get(self, url: _Url, day: date, base: str) -> Quotes | None:
        address = url.template.format(date=day.isoformat(), base=base.lower())
        response: httpx.Response | None = None
        problem = ""
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                self._ctx.wait(_pause_s(attempt, response))
            response, problem = self._send(url, address)
            if response is None or response.status_code in RETRY_STATUSES:
                continue
            if response.status_code == 404:
                return None
            if not response.is_success:
                raise FxApiUnavailable(f"{problem} for {day} {base}")
            return _parse(response, day, base, url.source)
        raise FxApiUnavailable(f"{problem} for {day} {base}")

    def _send(self, url: _Url, address: str) -> tuple[httpx.Response | None, str]:
        """The answer (None when none came) and what went wrong, if anything."""
        self._ctx.check_cancel()
        started = time.monotonic()
        try:
            response = self._http.get(address)
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"
            self._record(url, None, started, problem)
            return None, problem
        problem = "" if response.is_success else f"HTTP {response.status_code}"
        self._record(url, response.status_code, started, problem or None)
        return response, problem

    def _record(self, url: _Url, status: int | None, started: float, error: str | None) -> None:
        self._ctx.record_api_call(
            ApiCall(
                job_id=self._ctx.job_id,
                platform=PLATFORM,
                endpoint=url.endpoint,
                http_status=status,
                duration_ms=round((time.monotonic() - started) * 1000, 1),
                error=error,
            )
        )


def _pause_s(attempt: int, previous: httpx.Response | None) -> float:
    """Retry-After when the API sent one (capped), else a doubling pause."""
    if previous is not None and previous.status_code == 429:
        try:
            return min(MAX_RETRY_AFTER_S, max(0.0, float(previous.headers.get("retry-after", ""))))
        except ValueError:
            pass
    return float(FIRST_PAUSE_S * 2 ** (attempt - 1))


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
