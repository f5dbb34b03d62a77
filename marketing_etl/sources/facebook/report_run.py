"""Async insights report runs: POST the request, poll the run until it is done, read its pages.

A failed run says why (from v25.0: `error_code`, signed, `error_subcode`, `error_user_title`,
`error_user_msg`). Intermittent failures and throttling start the same run again after a pause;
"report failed, try again later" (-2/2490547) too, and when it fails again the request is split
(heavy runs fail that way); "too much data" is split at once; a run failing without a code (older
versions, "Job Skipped") is split as well. Anything else, such as an invalid breakdown
combination (2/1504041), fails the job at once with Meta's own words for the user.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from marketing_etl.errors import EtlError, TransientError, UserError
from marketing_etl.sources.facebook.client import GraphClient, Params
from marketing_etl.sources.facebook.graph_errors import Failure, GraphError, TooMuchData
from marketing_etl.sources.facebook.throttle import FacebookTuning

log = logging.getLogger(__name__)

COMPLETED = "Job Completed"
FAILED = frozenset({"Job Failed", "Job Skipped"})
RUN_ATTEMPTS = 2
REPORT_FAILED = (-2, 2490547)  # "Generating the report failed. Try again later."
# Intermittent (2/1504043) and too many requests (4/1504022, 4/1504039): the same run again.
RETRY_LATER = frozenset({(2, 1504043), (4, 1504022), (4, 1504039), REPORT_FAILED})


class ReportRunFailed(TooMuchData):
    """Facebook could not build the run's report: the request is split and retried."""


@dataclass(frozen=True)
class RunError:
    """Why a report run failed, as its node says."""

    status: str
    code: int | None
    subcode: int | None
    message: str
    user_title: str
    user_message: str

    @classmethod
    def of(cls, run: Mapping[str, Any]) -> RunError:
        return cls(
            status=str(run.get("async_status", "")),
            code=_int(run.get("error_code")),
            subcode=_int(run.get("error_subcode")),
            message=str(run.get("error_message") or run.get("async_status") or "no reason given"),
            user_title=str(run.get("error_user_title") or ""),
            user_message=str(run.get("error_user_msg") or ""),
        )

    @property
    def pair(self) -> tuple[int | None, int | None]:
        return self.code, self.subcode

    @property
    def for_the_user(self) -> str:
        """Meta's words for the user: title and message when it sent them."""
        words = ": ".join(part.rstrip(".") for part in (self.user_title, self.user_message) if part)
        return words or self.message.rstrip(".")

    def describe(self) -> str:
        codes = f"#{self.code}" + (f"/{self.subcode}" if self.subcode else "")
        return f"{self.status} {codes}: {self.message}"


def report_pages(
    client: GraphClient, account_id: str, params: Params, tuning: FacebookTuning
) -> Iterator[list[dict[str, Any]]]:
    run_id = _completed_run(client, account_id, params, tuning)
    yield from client.pages(f"{run_id}/insights", {}, account_id=account_id)


def _completed_run(client: GraphClient, account_id: str, params: Params, tuning: FacebookTuning) -> str:
    attempt = 1
    while True:
        started = client.post(f"{account_id}/insights", params, account_id=account_id)
        run_id = str(started.get("report_run_id") or "")
        if not run_id:
            raise TransientError(f"Facebook did not start the report for ad account {account_id}; try again.")
        error = wait_until_done(client, account_id, run_id, tuning)
        if error is None:
            return run_id
        if error.pair not in RETRY_LATER or attempt >= RUN_ATTEMPTS:
            raise _job_error(error, account_id, run_id)
        log.info(
            "Facebook's report run for ad account %s failed (%s); starting it again",
            account_id,
            error.describe(),
        )
        # Facebook says "try again later": as long as the longest wait between two polls.
        client.sleep(tuning.poll_max_s)
        attempt += 1


def wait_until_done(
    client: GraphClient, account_id: str, run_id: str, tuning: FacebookTuning
) -> RunError | None:
    """Poll with a growing interval; key on the status, not the percentage (they can disagree).
    None when the report is ready, else why the run failed."""
    deadline = time.monotonic() + tuning.async_timeout_s
    delay = tuning.poll_first_s
    while True:
        client.sleep(delay)
        run = client.get(run_id, {}, account_id=account_id)
        status = str(run.get("async_status", ""))
        if status == COMPLETED:
            return None
        if status in FAILED:
            return RunError.of(run)
        if time.monotonic() > deadline:
            raise TransientError(
                f"Facebook had not finished the report for ad account {account_id} after "
                f"{tuning.async_timeout_s / 60:.0f} minutes; try again later or with a shorter date range."
            )
        delay = min(tuning.poll_max_s, delay * 2)


def _job_error(error: RunError, account_id: str, run_id: str) -> EtlError:
    detail = f"report run {run_id}: {error.describe()}"
    if error.code is None or error.pair == REPORT_FAILED or _too_much(error):
        return ReportRunFailed(
            f"Facebook could not build the report for ad account {account_id} ({error.message}).",
            detail=detail,
        )
    if error.pair in RETRY_LATER:
        return TransientError(
            f"Facebook kept failing to build the report for ad account {account_id} "
            f"({error.for_the_user}); try the job again later.",
            detail=detail,
        )
    return UserError(
        f"Facebook refused the report for ad account {account_id}: {error.for_the_user}. "
        "Change the selected fields or the template.",
        detail=detail,
    )


def _too_much(error: RunError) -> bool:
    as_answer = GraphError(400, error.code, error.subcode, error.message, is_transient=False)
    return as_answer.kind is Failure.TOO_MUCH_DATA


def _int(raw: object) -> int | None:
    """error_code is a signed int since v25.0 (-2); older answers may send it as text."""
    try:
        return int(str(raw))
    except ValueError:
        return None
