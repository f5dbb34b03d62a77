"""The fake Graph API's error answers and the faults a test can inject into it.

Kept apart from the routing (facebook_graph.py) so that every error body the fake can send — the
injected faults' (throttling with an ETA, transient 500/503, an expired token, "reduce the amount
of data", a forbidden account), a retired version's #2635, a refused node read's — is built in
one place, in Facebook's `{"error": {...}}` shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marketing_etl.sandbox.fakes.facebook_objects import ObjectError

NEWEST_VERSION = "v27.0"
ANSWER_FAULTS = frozenset(
    {"throttle", "app_throttle", "transient", "unavailable", "token", "reduce", "forbidden"}
)


@dataclass
class Fault:
    kind: (
        # throttle, app_throttle, transient, unavailable, token, reduce, forbidden, loop_cursor,
        # and for report runs (RUN_FAILURES) run_fail, run_intermittent, run_invalid
        str
    )
    path: str = ""  # the request path must contain this
    method: str | None = None
    times: int = 1
    eta_minutes: int = 0


RETIRED_MESSAGE = (
    "(#2635) You are calling a deprecated version of the Ads API. "
    f"Please update to the latest version: {NEWEST_VERSION}."
)


class GraphError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status, self.body = status, body


def read_objects(read: Any) -> Any:
    try:
        return read()
    except ObjectError as exc:
        raise GraphError(400, error_body(exc.code, exc.message)) from exc


def fault_answer(fault: Fault) -> tuple[int, dict[str, Any], int]:
    answers: dict[str, tuple[int, dict[str, Any], int]] = {
        "throttle": (
            400,
            error_body(
                80000,
                "(#80000) There have been too many calls from this ad-account. Wait a bit and try again.",
                2446079,
            ),
            fault.eta_minutes,
        ),
        "app_throttle": (400, error_body(4, "(#4) Application request limit reached"), fault.eta_minutes),
        "transient": (500, error_body(1, "An unknown error occurred", 99), 0),
        "unavailable": (503, error_body(2, "(#2) Service temporarily unavailable", transient=True), 0),
        "token": (400, error_body(190, "Error validating access token: Session has expired.", 463), 0),
        "reduce": (
            500,
            error_body(1, "Please reduce the amount of data you're asking for, then retry your request"),
            0,
        ),
        "forbidden": (403, error_body(200, "(#200) Requires ads_read permission to manage the object"), 0),
    }
    return answers[fault.kind]


def error_body(
    code: int, message: str, subcode: int | None = None, *, transient: bool = False
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEfGh123",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if transient:
        error["is_transient"] = True
    return {"error": error}
