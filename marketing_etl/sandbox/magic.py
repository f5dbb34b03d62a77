"""Magic access tokens: how the simulated Facebook and TikTok APIs treat the token they receive.

Any token is accepted, except these, which reproduce what real accounts run into:

- `SANDBOX_EXPIRED`: the platform refuses the token as expired or revoked; the job fails saying
  so, and a retry with another token works.
- `SANDBOX_THROTTLED`: the account is over its rate limit when the job starts; Facebook answers
  "too many calls" with a time to regain access, TikTok its throttling code; the job waits
  (its message says until when), then finishes.
- `SANDBOX_FLAKY`: the platform fails with transient server errors; the job retries and finishes.
- `SANDBOX_MISMATCH`: every account's own totals (Facebook's account-level insights, TikTok's
  total_metrics) say 5 % more spend than its rows add up to; the job ends SUCCESS with a totals
  check warning, and its page shows ⚠.
- `SANDBOX_EXPIRES_SOON`: works, but Facebook's debug_token says it expires in 12 days, as a
  saved connection's check shows.

A fault is armed for the first request on each new connection, so every job (its clients open
their own connections) meets it, and each retry, sent over the same connection, gets through.
Each behaviour has its own fake instance, so a throttled job never slows down a normal one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

from starlette.types import ASGIApp, Receive, Scope, Send

EXPIRED_TOKEN = "SANDBOX_EXPIRED"
THROTTLED_TOKEN = "SANDBOX_THROTTLED"
FLAKY_TOKEN = "SANDBOX_FLAKY"
MISMATCH_TOKEN = "SANDBOX_MISMATCH"
# Served like any token, but Facebook's debug_token says it expires in 12 days (a saved
# connection shows "expires in 12 days").
EXPIRES_SOON_TOKEN = "SANDBOX_EXPIRES_SOON"
EXPIRES_SOON_DAYS = 12
# Connections remembered per lane; older ones are forgotten (a forgotten one is just armed again).
_REMEMBERED_CONNECTIONS = 4_096


class Behaviour(Enum):
    NORMAL = "normal"
    THROTTLED = "throttled"
    FLAKY = "flaky"
    MISMATCH = "mismatch"  # no fault: its own fake, whose totals differ from the rows


# Armed for the request about to be forwarded: (the request's scope, first on its connection).
Arm = Callable[[Scope, bool], None]


@dataclass
class Lane:
    """One fake instance and what to arm on it before it answers a request."""

    app: ASGIApp
    arm: Arm | None = None


class TokenRouter:
    """An ASGI app in front of one platform's fakes: picks the lane for the request's token and
    hands the fake the token it accepts (an expired one goes through unchanged, to be refused)."""

    def __init__(self, header: str, prefix: str, accepted: str, lanes: Mapping[Behaviour, Lane]) -> None:
        self._header = header.lower().encode()
        self._prefix = prefix
        self._accepted = accepted
        self._lanes = lanes
        self._seen: dict[Behaviour, OrderedDict[object, None]] = {b: OrderedDict() for b in lanes}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        token = self._token(scope)
        behaviour = _BEHAVIOURS.get(token, Behaviour.NORMAL)
        lane = self._lanes[behaviour]
        if lane.arm is not None:
            lane.arm(scope, self._first_on_connection(behaviour, scope))
        if token and token != EXPIRED_TOKEN:
            scope = {**scope, "headers": self._with_token(scope, self._accepted)}
        await lane.app(scope, receive, send)

    def _token(self, scope: Scope) -> str:
        for name, value in scope["headers"]:
            if name == self._header:
                return str(value.decode("latin-1")).removeprefix(self._prefix).strip()
        return ""

    def _with_token(self, scope: Scope, token: str) -> list[tuple[bytes, bytes]]:
        others = [(n, v) for n, v in scope["headers"] if n != self._header]
        return [*others, (self._header, f"{self._prefix}{token}".encode("latin-1"))]

    def _first_on_connection(self, behaviour: Behaviour, scope: Scope) -> bool:
        seen = self._seen[behaviour]
        connection = scope.get("client")
        if connection in seen:
            return False
        seen[connection] = None
        if len(seen) > _REMEMBERED_CONNECTIONS:
            seen.popitem(last=False)
        return True


_BEHAVIOURS = {
    THROTTLED_TOKEN: Behaviour.THROTTLED,
    FLAKY_TOKEN: Behaviour.FLAKY,
    MISMATCH_TOKEN: Behaviour.MISMATCH,
}
