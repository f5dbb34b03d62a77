"""The one HTTP client for TikTok API for Business: envelope, retries, call budget, paging.

Every read is a GET with list and object parameters JSON-encoded in the query string and the
token in the Access-Token header. TikTok answers HTTP 200 even for errors, so the body's `code`
decides (codes.py): throttling and TikTok-side faults are retried by the shared retry helper with
jittered exponential backoff, anything else ends the job with TikTok's message. Before every
attempt the client checks for cancel and takes one call from the advertiser's budget, which every
job and worker shares; its waits count against TIKTOK_MAX_WAIT_S with the back-offs. Report
calls are also counted against the app's daily quota (quota.py).

The token is only ever in the header: endpoints are recorded as bare paths, never with a query.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from marketing_etl.context import JobContext
from marketing_etl.errors import FatalError, RateLimited, TransientError
from marketing_etl.http import Backoff, Failed, Kind, NoAnswer, Retrier, RetryRule, Waits, open_client
from marketing_etl.ratelimit import Budget, acquire, per_second_and_minute
from marketing_etl.sources.tiktok.codes import TryAgain, Verdict, classify, failure, verdict
from marketing_etl.sources.tiktok.parallel import map_in_threads

log = logging.getLogger(__name__)

PLATFORM = "tiktok"
REPORT_PATH = "/gmv_max/report/get/"
REPORT_PAGE_SIZE = 1000
MAX_FILTER_IDS = 100  # campaign_ids, item_group_ids (report) and spu_id_list (videos) per call
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_BACKOFF = Backoff(first_s=1.0, cap_s=60.0, max_attempts=6)
# Calls in flight per job; the shared budget, not this, is what bounds the call rate.
DEFAULT_WORKERS = 4
_BUDGET_NOTICE_S = 1.0


@dataclass(frozen=True)
class _Reading:
    status: int
    verdict: Verdict | None  # None: no envelope (an HTTP error or an unreadable body)
    code: int | None
    message: str
    data: dict[str, Any]
    error: str | None

    @property
    def usage(self) -> dict[str, Any]:
        return {} if self.code is None else {"code": self.code}


class TikTokClient:
    def __init__(
        self,
        ctx: JobContext,
        budget: Budget,
        *,
        retry: Backoff = DEFAULT_BACKOFF,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        workers: int = DEFAULT_WORKERS,
        transport: httpx.BaseTransport | None = None,
        count_report_call: Callable[[], None] = lambda: None,
    ) -> None:
        settings = ctx.settings
        self._count_report_call = count_report_call
        self._ctx = ctx
        self._budget = budget
        self._advertiser_id = ctx.spec.advertiser_id or ""
        self._budget_key = f"advertiser:{self._advertiser_id}"
        self._limits = per_second_and_minute(settings.tiktok_max_qps, settings.tiktok_max_qpm)
        self._max_wait_s = float(settings.tiktok_max_wait_s)
        self._max_attempts = retry.max_attempts
        self.workers = workers
        self._api = open_client(
            ctx,
            PLATFORM,
            base_url=settings.tiktok_api_url.rstrip("/") + "/",
            headers={"Access-Token": ctx.access_token},
            timeout=timeout,
            transport=transport,
        )
        rule = RetryRule(
            classify=classify,
            give_up=_gave_up,
            backoff=retry,
            max_wait_s=self._max_wait_s,
            announce=self._announce_retry,
        )
        self._retrier = Retrier(rule, ctx.wait)

    def close(self) -> None:
        self._api.close()

    def get(self, path: str, params: Mapping[str, object]) -> dict[str, Any]:
        """The `data` object of one successful call, after any retries."""
        query = {key: _encode(value) for key, value in params.items()}
        waits = Waits()
        attempts = itertools.count(1)

        def attempt() -> dict[str, Any]:
            self._ctx.check_cancel()
            waits.add(self._take_budget(self._max_wait_s - waits.waited_s))
            if path == REPORT_PATH:  # TikTok counts every attempt against the day's quota
                self._count_report_call()
            return self._attempt(path, query, next(attempts))

        return self._retrier.call(attempt, waits=waits)

    def pages(
        self,
        path: str,
        params: Mapping[str, object],
        list_key: str = "list",
        page_size: int = REPORT_PAGE_SIZE,
        on_first: Callable[[Mapping[str, Any]], None] | None = None,
    ) -> list[dict[str, Any]]:
        """Every item of a paged list. The page count comes from page_info.total_page only:
        TikTok may return fewer items than page_size on pages that are not the last.
        `on_first` sees the first page's data (what every page repeats, such as total_metrics)."""
        first = self.get(path, {**params, "page": 1, "page_size": page_size})
        if on_first is not None:
            on_first(first)
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

    def _attempt(self, path: str, query: dict[str, str], attempt: int) -> dict[str, Any]:
        try:
            reading = self._api.send(
                "GET", path, _read, endpoint=path, usage={"attempt": attempt}, params=query
            )
        except NoAnswer as exc:
            raise TryAgain(Verdict.TRANSIENT, None, exc.user_message, endpoint=path) from exc
        if reading.verdict is None:
            if reading.status == 200 or reading.status == 429 or reading.status >= 500:
                raise TryAgain(Verdict.TRANSIENT, None, reading.message, endpoint=path)
            raise FatalError(
                f"TikTok answered HTTP {reading.status} for {path}; check TIKTOK_API_URL "
                "(it should end in /open_api/v1.3)."
            )
        if reading.verdict is Verdict.FAIL:
            code = reading.code or 0
            raise failure(code, reading.message, advertiser_id=self._advertiser_id, endpoint=path)
        if reading.verdict is not Verdict.OK:
            raise TryAgain(reading.verdict, reading.code, reading.message, endpoint=path)
        if reading.code != 0:
            log.warning(
                "TikTok reported partial success on %s (code %s): %s", path, reading.code, reading.message
            )
        return reading.data

    def _announce_retry(self, failed: Failed) -> None:
        error = failed.error
        assert isinstance(error, TryAgain)  # the only error `classify` retries
        what = f"code {error.code}" if error.code is not None else error.user_message
        retry, pause_s = failed.attempt + 1, failed.pause_s
        if failed.decision.kind is Kind.THROTTLED:
            self._ctx.progress(
                None,
                f"TikTok is throttling {error.endpoint} ({what}); retry {retry} of "
                f"{self._max_attempts} in {pause_s:.1f} s",
            )
        else:
            log.warning("TikTok %s failed (%s); retry %s in %.1f s", error.endpoint, what, retry, pause_s)


def _read(response: httpx.Response) -> _Reading:
    status = response.status_code
    if status != 200:
        return _Reading(status, None, None, f"HTTP {status}", {}, f"HTTP {status}")
    try:
        body = response.json()
        code = int(body["code"])
    except (ValueError, KeyError, TypeError):
        return _Reading(status, None, None, "an unreadable response body", {}, "unreadable response body")
    message = str(body.get("message") or "")
    outcome = verdict(code)
    data = body.get("data")
    error = None if outcome is Verdict.OK else f"code {code}: {message}"
    return _Reading(status, outcome, code, message, data if isinstance(data, dict) else {}, error)


def _gave_up(failed: Failed) -> TransientError:
    error = failed.error
    assert isinstance(error, TryAgain)
    if failed.decision.kind is Kind.THROTTLED:
        return RateLimited(
            f"TikTok kept throttling {error.endpoint} ({error.what}) for {failed.waited_s:.0f} s. Other "
            "jobs for this advertiser may be sharing its limit; retry the job later."
        )
    return TransientError(f"TikTok kept failing on {error.endpoint} ({error.what}); retry the job later.")


def _encode(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
