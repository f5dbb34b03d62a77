"""Error answers that several routes declare in /openapi.json, worded and exemplified once.

FastAPI lists only what a route declares; the 413 comes from the body-limit middleware and the
400 from FastAPI's own body parsing, so without these the description would hide them.
"""

from __future__ import annotations

from typing import Any

from marketing_etl.api.body_limit import SETTING, too_large_message
from marketing_etl.job_errors import TOKEN_NEEDED
from marketing_etl.request_limits import TEXT_LIMITS
from marketing_etl.settings import DEFAULT_MAX_REQUEST_BYTES

Responses = dict[int | str, dict[str, Any]]


def json_answer(description: str, example: object) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"example": example}}}


def invalid_fields(description: str, field: list[str], message: str) -> Responses:
    """A 422 with one example entry about `field` (its path inside the body)."""
    entry = {"loc": ["body", *field], "msg": message, "type": "value_error"}
    return {422: json_answer(description, {"detail": [entry]})}


# Any body: the middleware counts every request's body, whatever the route reads.
BODY_TOO_LARGE: Responses = {
    413: json_answer(
        f"The request body is larger than {SETTING} (default {DEFAULT_MAX_REQUEST_BYTES:,} bytes)",
        {"detail": too_large_message(DEFAULT_MAX_REQUEST_BYTES, 20_971_520)},
    )
}
# Routes that parse a JSON body: FastAPI answers 400 when it cannot be read at all.
UNREADABLE_BODY: Responses = {
    400: json_answer(
        "The body cannot be read as JSON text: not UTF-8, or a number with thousands of digits",
        {"detail": "There was an error parsing the body"},
    )
}
JSON_BODY_ERRORS: Responses = {**UNREADABLE_BODY, **BODY_TOO_LARGE}
RETRY_INVALID = invalid_fields(
    "The stored access token was deleted and the body sends none, or access_token is longer "
    f"than {TEXT_LIMITS['access_token'].max_chars:,} characters",
    ["access_token"],
    TOKEN_NEEDED,
)
