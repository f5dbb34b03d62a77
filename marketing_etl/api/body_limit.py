"""MAX_REQUEST_BYTES: the largest request body the server reads, on every route.

A pure ASGI middleware, so nothing is buffered on the way (BaseHTTPMiddleware would). A declared
Content-Length over the limit is refused before the app runs, so a client that sent
`Expect: 100-continue` uploads nothing. A body without one (chunked) is counted as the app
reads it; past the limit the read fails inside the app, and whatever the app then answers is
replaced by the same 413. Responses (the live log stream, file downloads) pass through as they
are: only what the client sends is counted.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SETTING = "MAX_REQUEST_BYTES"


class BodyTooLarge(Exception):
    """Raised to the app reading a streamed body past the limit; the middleware answers 413."""


def too_large_message(max_bytes: int, body_bytes: int | None) -> str:
    """`body_bytes` None: a streamed body, cut off before its end, so its size is unknown."""
    size = f"{body_bytes:,} bytes" if body_bytes is not None else f"more than {max_bytes:,} bytes"
    return f"The request body is {size}; this server accepts at most {max_bytes:,} ({SETTING})."


class BodyLimit:
    """`exempt_prefixes`: paths served by something other than this API (the sandbox's
    simulated Google Sheets takes the writer's 2 MB chunks, as Google does)."""

    def __init__(self, app: ASGIApp, max_bytes: int, exempt_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._exempt(str(scope["path"])):
            await self.app(scope, receive, send)
            return
        declared_bytes = _content_length(scope)
        if declared_bytes is not None and declared_bytes > self.max_bytes:
            await _refuse(scope, receive, send, too_large_message(self.max_bytes, declared_bytes))
            return
        body = _CountedBody(receive, send, self.max_bytes)
        try:
            await self.app(scope, body.receive, body.send)
        except Exception:
            # FastAPI turns a failed body read into a 400, anyio into an ExceptionGroup: any
            # error after the cut-off is the cut-off.
            if not body.exceeded or body.response_started:
                raise
        if body.exceeded and not body.response_started:
            await _refuse(scope, receive, send, too_large_message(self.max_bytes, None))

    def _exempt(self, path: str) -> bool:
        return any(path == prefix or path.startswith(prefix + "/") for prefix in self.exempt_prefixes)


class _CountedBody:
    """The app's receive and send for one request: counts body bytes, and once they pass the
    limit, fails the read and holds back the app's own answer (unless it had already begun)."""

    def __init__(self, receive: Receive, send: Send, max_bytes: int) -> None:
        self._receive = receive
        self._send = send
        self._max_bytes = max_bytes
        self._read_bytes = 0
        self.exceeded = False
        self.response_started = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self._read_bytes += len(message.get("body", b""))
            if self._read_bytes > self._max_bytes:
                self.exceeded = True
                raise BodyTooLarge(too_large_message(self._max_bytes, None))
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded and not self.response_started:
            return
        if message["type"] == "http.response.start":
            self.response_started = True
        await self._send(message)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        # The server refuses a malformed header before the app sees it; if one does not,
        # the body is counted as it arrives instead.
        return None


async def _refuse(scope: Scope, receive: Receive, send: Send, message: str) -> None:
    await JSONResponse({"detail": message}, status_code=413)(scope, receive, send)
