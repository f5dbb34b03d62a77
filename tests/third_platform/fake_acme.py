"""A fake Acme Ads API, spoken over real HTTP on loopback: paged daily rows, a bearer token, and
throttling as Acme signals it (HTTP 429, the wait in the body).

Rows are a pure function of the request, so a test can compute what the sheet must hold:
campaign c (0 or 1) on day d (0-based in the range) spent (d + 1) * 10.25 + c and had
(d + 1) * 3 + c clicks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

CAMPAIGNS = ("Spring launch", "Retargeting")
PAGE_SIZE = 3
THROTTLE_WAIT_MS = 50


def expected_rows(start: date, end: date) -> list[tuple[str, str, float, int]]:
    days = (end - start).days + 1
    return [
        ((start + timedelta(days=d)).isoformat(), name, (d + 1) * 10.25 + c, (d + 1) * 3 + c)
        for d in range(days)
        for c, name in enumerate(CAMPAIGNS)
    ]


@dataclass
class FakeAcme:
    token: str
    throttle_next: int = 0  # answer this many of the next requests with 429
    requests: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/reports/daily", self._daily)])

    async def _daily(self, request: Request) -> JSONResponse:
        query = dict(request.query_params)
        with self.lock:
            self.requests.append(query)
            throttled = self.throttle_next > 0
            self.throttle_next -= int(throttled)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _error(401, "invalid_token", "The access token is invalid or expired.")
        if throttled:
            return _error(429, "rate_limited", "Too many requests.", retry_after_ms=THROTTLE_WAIT_MS)
        rows = expected_rows(date.fromisoformat(query["start_date"]), date.fromisoformat(query["end_date"]))
        offset = int(query.get("page_token") or 0)
        page = rows[offset : offset + PAGE_SIZE]
        more = offset + PAGE_SIZE < len(rows)
        return JSONResponse(
            {
                "rows": [
                    {"date": day, "campaign": name, "spend": f"{spend:.2f}", "clicks": clicks}
                    for day, name, spend, clicks in page
                ],
                "next_page_token": str(offset + PAGE_SIZE) if more else None,
            }
        )


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status_code=status)
