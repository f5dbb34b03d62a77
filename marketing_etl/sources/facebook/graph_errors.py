"""Reading a Graph API error body: what kind of failure it is and what the job should do about it.

Facebook signals throttling in HTTP 400 bodies (never key on 429), token problems with code 190,
missing access with 10/200-299 or 100/33, and "ask for less" with code 1, 100/1487534 and the
sync timeouts. #2635 means the configured API version is retired: fatal, naming the setting.
Everything that is neither of those nor transient is a bug or bad input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from marketing_etl.errors import AccessDenied, EtlError, FatalError, TransientError, UserError
from marketing_etl.sources.facebook.versions import deprecated_message

THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
THROTTLE_SUBCODES = frozenset({2446079, 1487742, 1504022, 1504039})
TOKEN_CODES = frozenset({190, 102})
TRANSIENT_SUBCODES = frozenset({99, 1504043, 1504044})
DEPRECATED_VERSION = 2635
_TOO_MUCH = frozenset({(100, 1487534), (100, 1504018), (2, 1504038)})

TOKEN_MESSAGE = (
    "Facebook rejected the request because the Facebook access token is invalid or expired. "
    "Create a new token and retry the job with it."
)


class Failure(Enum):
    THROTTLED = "throttled"
    TRANSIENT = "transient"
    TOO_MUCH_DATA = "too_much_data"
    TOKEN = "token"
    FORBIDDEN = "forbidden"
    OTHER = "other"


@dataclass(frozen=True)
class GraphError:
    http_status: int
    code: int | None
    subcode: int | None
    message: str
    is_transient: bool

    @property
    def kind(self) -> Failure:
        code, subcode = self.code, self.subcode
        if code == DEPRECATED_VERSION:  # never retried, whatever the HTTP status
            return Failure.OTHER
        if code in TOKEN_CODES:
            return Failure.TOKEN
        if code in THROTTLE_CODES or subcode in THROTTLE_SUBCODES:
            return Failure.THROTTLED
        if (code, subcode) in _TOO_MUCH or (code == 1 and "reduce the amount" in self.message.lower()):
            return Failure.TOO_MUCH_DATA
        if code == 10 or (code is not None and 200 <= code <= 299) or (code == 100 and subcode == 33):
            return Failure.FORBIDDEN
        if self.http_status >= 500 or code in (1, 2) or self.is_transient or subcode in TRANSIENT_SUBCODES:
            return Failure.TRANSIENT
        if self.http_status < 400:  # an HTTP 200 whose body was not a Graph object: a glitch
            return Failure.TRANSIENT
        return Failure.OTHER

    def describe(self) -> str:
        codes = f"#{self.code}" + (f"/{self.subcode}" if self.subcode else "")
        return f"HTTP {self.http_status} {codes}: {self.message}"


def parse_error(http_status: int, body: object) -> GraphError | None:
    """None for a successful response; Facebook can also put an error in an HTTP 200 body."""
    error = body.get("error") if isinstance(body, Mapping) else None
    if http_status < 400 and isinstance(body, Mapping) and error is None:
        return None
    details: Mapping[str, Any] = error if isinstance(error, Mapping) else {}
    return GraphError(
        http_status=http_status,
        code=_int(details.get("code")),
        subcode=_int(details.get("error_subcode")),
        message=str(details.get("message") or f"unexpected response (HTTP {http_status})"),
        is_transient=bool(details.get("is_transient")),
    )


class TooMuchData(TransientError):
    """Facebook asked for a smaller request; the insights flow splits it and tries the parts."""


class AccountForbidden(AccessDenied):
    def __init__(self, account_id: str, reason: str) -> None:
        super().__init__(f"Facebook refused access to ad account {account_id}: {reason}")
        self.account_id = account_id
        self.reason = reason


def to_exception(error: GraphError, account_id: str, version: str) -> EtlError:
    """The exception for a failure the client does not retry; `version` is the one called."""
    if error.code == DEPRECATED_VERSION:
        return FatalError(deprecated_message(version), detail=error.describe())
    kind = error.kind
    if kind is Failure.TOKEN:
        return AccessDenied(TOKEN_MESSAGE, detail=error.describe())
    if kind is Failure.TOO_MUCH_DATA:
        return TooMuchData(
            "Facebook could not return that much data in one request.", detail=error.describe()
        )
    if kind is Failure.FORBIDDEN:
        return AccountForbidden(account_id, error.message)
    if error.code == 3018:
        return UserError(
            "Facebook keeps insights for 37 months only: send a start_date within the last 37 months."
        )
    return FatalError(f"Facebook rejected a request ({error.describe()}).")


def _int(raw: object) -> int | None:
    try:
        return int(raw)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return None
