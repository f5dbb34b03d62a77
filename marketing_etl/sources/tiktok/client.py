"""The one HTTP client for TikTok API for Business: envelope, retries, call budget, paging.

Every read is a GET with list and object parameters JSON-encoded in the query string and the
token in the Access-Token header. TikTok answers HTTP 200 even for errors, so the body's `code`
decides: throttling and TikTok-side faults are retried with jittered exponential backoff, anything
else ends the job with TikTok's message. Before every attempt the client checks for cancel and
takes one call from the advertiser's budget, which every job and worker shares.

The token is only ever in the header: endpoints are recorded as bare paths, never with a query.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from marketing_etl.context import JobContext
from marketing_etl.errors import FatalError, RateLimited, TransientError
from marketing_etl.models import ApiCall
from marketing_etl.ratelimit import Budget, acquire, per_second_and_minute
from marketing_etl.sources.tiktok.codes import Verdict, failure, verdict
from marketing_etl.sources.tiktok.parallel import map_in_threads

log = logging.getLogger(__name__)

PLATFORM = "tiktok"
REPORT_PAGE_SIZE = 1000
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
# Calls in flight per job; the shared budget, not this, is what bounds the call rate.
DEFAULT_WORKERS = 4
_BUDGET_NOTICE_S = 1.0


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_s: float = 1.0
    cap_s: float = 60.0

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        """Half fixed, half random, so retrying workers spread out but never retry at once."""
        ceiling = min(self.cap_s, self.base_s * 2.0 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class _Outcome:
    verdict: Verdict
    code: int | None
    message: str
    data: dict[str, Any]


class TikTokClient:
    def __init__(
        self,
        ctx: JobContext,
        budget: Budget,
        *,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        workers: int = DEFAULT_WORKERS,
    ) -> None:
        settings = ctx.settings
        self._ctx = ctx
        self._budget = budget
        self._advertiser_id = ctx.spec.advertiser_id or ""
        self._budget_key = f"advertiser:{self._advertiser_id}"
        self._limits = per_second_and_minute(settings.tiktok_max_qps, settings.tiktok_max_qpm)
        self._max_wait_s = float(settings.tiktok_max_wait_s)
        self._retry = retry or RetryPolicy()
        self._rng = random.Random()
        self.workers = workers
        self._http = httpx.Client(
            base_url=settings.tiktok_api_url.rstrip("/") + "/",
            headers={"Access-Token": ctx.access_token},
            timeout=timeout,
        )

    def __enter__(self) -> TikTokClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, object]) -> dict[str, Any]:
        """The `data` object of one successful call, after any retries."""
        query = {key: _encode(value) for key, value in params.items()}
        waited = 0.0
        last: _Outcome | None = None
        for attempt in range(1, self._retry.max_attempts + 1):
            self._ctx.check_cancel()
            waited += self._take_budget(self._max_wait_s - waited)
            last = self._attempt(path, query, attempt)
            if last.verdict is Verdict.OK:
                return last.data
            if last.verdict is Verdict.FAIL:
                raise failure(last.code or 0, last.message, advertiser_id=self._advertiser_id, endpoint=path)
            delay = self._retry.delay_s(attempt, self._rng)
            if attempt == self._retry.max_attempts or waited + delay > self._max_wait_s:
                break
            self._announce_retry(path, last, attempt, delay)
            self._ctx.wait(delay)
            waited += delay
        assert last is not None
        raise self._gave_up(path, last, waited)

    def pages(
        self,
        path: str,
        params: Mapping[str, object],
        list_key: str = "list",
        page_size: int = REPORT_PAGE_SIZE,
    ) -> list[dict[str, Any]]:
        """Every item of a paged list. The page count comes from page_info.total_page only:
        TikTok may return fewer items than page_size on pages that are not the last."""
        first = self.get(path, {**params, "page": 1, "page_size": page_size})
        items: list[dict[str, Any]] = list(first.get(list_key) or [])
        total_pages = int((first.get("page_info") or {}).get("total_page") or 1)
        if total_pages <= 1 or not items:
            return items

        def page(number: int) -> list[dict[str, Any]]:
            data = self.get(path, {**params, "page": number, "page_size": page_size})
            return list(data.get(list_key) or [])

        for rest in map_in_threads(page, list(range(2, total_pages + 1)), self.workers):
            items.extend(rest)
        return items

    def _take_budget(self, max_wait_s: float) -> float:
        def notice(needed_s: float) -> None:
            if needed_s >= _BUDGET_NOTICE_S:
                self._ctx.progress(
                    None, f"Waiting {needed_s:.0f} s for the TikTok call budget shared by all jobs"
                )

        return acquire(
            self._budget,
            self._budget_key,
            self._limits,
            wait=self._ctx.wait,
            max_wait_s=max(0.0, max_wait_s),
            on_wait=notice,
        )

    def _attempt(self, path: str, query: dict[str, str], attempt: int) -> _Outcome:
        started = time.perf_counter()
        try:
            response = self._http.get(path, params=query)
        except httpx.TransportError as exc:
            reason = f"no answer ({type(exc).__name__})"
            self._record(path, None, started, {"attempt": attempt}, reason)
            return _Outcome(Verdict.TRANSIENT, None, reason, {})
        status = response.status_code
        if status == 429 or status >= 500:
            self._record(path, status, started, {"attempt": attempt}, f"HTTP {status}")
            return _Outcome(Verdict.TRANSIENT, None, f"HTTP {status}", {})
        if status != 200:
            self._record(path, status, started, {"attempt": attempt}, f"HTTP {status}")
            raise FatalError(
                f"TikTok answered HTTP {status} for {path}; check TIKTOK_API_URL "
                "(it should end in /open_api/v1.3)."
            )
        return self._envelope(path, response, started, attempt)

    def _envelope(self, path: str, response: httpx.Response, started: float, attempt: int) -> _Outcome:
        try:
            body = response.json()
            code = int(body["code"])
        except (ValueError, KeyError, TypeError):
            self._record(path, 200, started, {"attempt": attempt}, "unreadable response body")
            return _Outcome(Verdict.TRANSIENT, None, "an unreadable response body", {})
        message = str(body.get("message") or "")
        outcome = verdict(code)
        error = None if outcome is Verdict.OK else f"code {code}: {message}"
        self._record(path, 200, started, {"code": code, "attempt": attempt}, error)
        if code != 0 and outcome is Verdict.OK:
            log.warning("TikTok reported partial success on %s (code %s): %s", path, code, message)
        data = body.get("data")
        return _Outcome(outcome, code, message, data if isinstance(data, dict) else {})

    def _record(
        self, path: str, status: int | None, started: float, usage: dict[str, Any], error: str | None
    ) -> None:
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        self._ctx.record_api_call(
            ApiCall(
                job_id=self._ctx.job_id,
                platform=PLATFORM,
                endpoint=path,
                http_status=status,
                duration_ms=duration_ms,
                usage=usage,
                error=error,
            )
        )

    def _announce_retry(self, path: str, outcome: _Outcome, attempt: int, delay: float) -> None:
        what = f"code {outcome.code}" if outcome.code is not None else outcome.message
        if outcome.verdict is Verdict.THROTTLED:
            self._ctx.progress(
                None,
                f"TikTok is throttling {path} ({what}); retry {attempt + 1} of "
                f"{self._retry.max_attempts} in {delay:.1f} s",
            )
        else:
            log.warning("TikTok %s failed (%s); retry %s in %.1f s", path, what, attempt + 1, delay)

    def _gave_up(self, path: str, outcome: _Outcome, waited: float) -> Exception:
        what = f"code {outcome.code}: {outcome.message}" if outcome.code is not None else outcome.message
        if outcome.verdict is Verdict.THROTTLED:
            return RateLimited(
                f"TikTok kept throttling {path} ({what}) for {waited:.0f} s. Other jobs for this "
                "advertiser may be sharing its limit; retry the job later."
            )
        return TransientError(f"TikTok kept failing on {path} ({what}); retry the job later.")


def _encode(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
