"""The fake Graph API's async report runs: what a run holds and what polling it answers.

A POST to act_X/insights starts a Run (facebook_graph.py); each GET of the run's id is a poll,
answered "Job Not Started" / "Job Started" / "Job Running" with a percentage until
`polls_to_complete` polls, then "Job Completed" — or "Job Failed" with one of RUN_FAILURES' error
fields (the v25 ones: error_code is a signed int since v25.0) when a fault or the data-per-call
limit made the run fail. The result pages are read through the same paging as sync answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marketing_etl.sandbox.fakes.facebook_insights import Query

ASYNC_STATES = ("Job Not Started", "Job Started", "Job Running")

# A failed report run's v25 error fields (error_code is a signed int since v25.0).
RUN_FAILURES: dict[str, dict[str, Any]] = {
    "run_fail": {
        "error_code": -2,
        "error_subcode": 2490547,
        "error_message": "Generating the report failed. Try again later.",
        "error_user_title": "Report Failed",
        "error_user_msg": "Generating the report failed. Try again later.",
    },
    "run_intermittent": {
        "error_code": 2,
        "error_subcode": 1504043,
        "error_message": "An intermittent error occurred. Please retry later.",
        "error_user_title": "Intermittent Error",
        "error_user_msg": (
            "There was an intermittent error while processing your request. Please retry later."
        ),
    },
    "run_invalid": {
        "error_code": 2,
        "error_subcode": 1504041,
        "error_message": "Invalid breakdowns.",
        "error_user_title": "Invalid Breakdowns",
        "error_user_msg": "There is no data for this combination of metrics and breakdowns.",
    },
}


@dataclass
class Run:
    account_id: str
    query: Query
    error: dict[str, Any] | None  # the failure it ends in; None: it completes
    polls: int = 0


def poll(run_id: str, run: Run, polls_to_complete: int) -> dict[str, Any]:
    """One poll of the run: counts it, answers the run's status node."""
    run.polls += 1
    node: dict[str, Any] = {
        "id": run_id,
        "account_id": run.account_id,
        "date_start": str(run.query.since),
        "date_stop": str(run.query.until),
    }
    if run.error is not None and run.polls >= polls_to_complete:
        return {**node, "async_status": "Job Failed", "async_percent_completion": 0, **run.error}
    if run.polls >= polls_to_complete:
        return {**node, "async_status": "Job Completed", "async_percent_completion": 100}
    state = ASYNC_STATES[min(run.polls, len(ASYNC_STATES) - 1)]
    return {
        **node,
        "async_status": state,
        "async_percent_completion": 100 * run.polls // polls_to_complete,
    }
