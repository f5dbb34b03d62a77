"""Async insights report runs: POST the request, poll the run until it is done, read its pages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from marketing_etl.errors import TransientError
from marketing_etl.sources.facebook.client import GraphClient, Params
from marketing_etl.sources.facebook.graph_errors import TooMuchData
from marketing_etl.sources.facebook.throttle import FacebookTuning

COMPLETED = "Job Completed"
FAILED = frozenset({"Job Failed", "Job Skipped"})


class ReportRunFailed(TooMuchData):
    """Facebook gave up on the run (Job Failed / Job Skipped): the request is split and retried."""


def report_pages(
    client: GraphClient, account_id: str, params: Params, tuning: FacebookTuning
) -> Iterator[list[dict[str, Any]]]:
    started = client.post(f"{account_id}/insights", params, account_id=account_id)
    run_id = str(started.get("report_run_id") or "")
    if not run_id:
        raise TransientError(f"Facebook did not start the report for ad account {account_id}; try again.")
    wait_until_done(client, account_id, run_id, tuning)
    yield from client.pages(f"{run_id}/insights", {}, account_id=account_id)


def wait_until_done(client: GraphClient, account_id: str, run_id: str, tuning: FacebookTuning) -> None:
    """Poll with a growing interval; key on the status, not the percentage (they can disagree)."""
    deadline = time.monotonic() + tuning.async_timeout_s
    delay = tuning.poll_first_s
    while True:
        client.sleep(delay)
        run = client.get(run_id, {}, account_id=account_id)
        status = str(run.get("async_status", ""))
        if status == COMPLETED:
            return
        if status in FAILED:
            reason = run.get("error_message") or status
            raise ReportRunFailed(
                f"Facebook could not build the report for ad account {account_id} ({reason}).",
                detail=f"report run {run_id}: {status} {run.get('error_code')}/{run.get('error_subcode')}",
            )
        if time.monotonic() > deadline:
            raise TransientError(
                f"Facebook had not finished the report for ad account {account_id} after "
                f"{tuning.async_timeout_s / 60:.0f} minutes; try again later or with a shorter date range."
            )
        delay = min(tuning.poll_max_s, delay * 2)
