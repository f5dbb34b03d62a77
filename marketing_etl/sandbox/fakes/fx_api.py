"""Fake daily exchange-rates API on loopback, in the shape of the free currency-api.

    fx = FakeFx()
    fx.set_rates(date(2024, 3, 1), "usd", {"vnd": 24650.5, "eur": 0.92})
    with serve_fx(fx) as (primary, mirror):   # tests/fakes; URL templates for FX_API_URL / ..._FALLBACK_URL
        ...

`GET {primary}` and `GET {mirror}` answer `{"date": "2024-03-01", "usd": {"vnd": 24650.5, ...}}`
for a (date, base) that has rates, and 404 (as the CDN does for an unpublished date) for one
that has none, such as a weekend. A shape put in `down` answers 503 to everything. Like the ECB
since Bulgaria adopted the euro, it publishes no BGN rate for a day from 2026-01-01 on (neither a
BGN table nor BGN in another table), whatever the test set.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import date

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

PRIMARY_PATH = "/npm/@fawazahmed0/currency-api@{date}/v1/currencies/{base}.json"
MIRROR_PATH = "/mirror/{date}/v1/currencies/{base}.json"
_DAY, _BASE = r"(\d{4}-\d{2}-\d{2})", r"([a-z]+)"
NO_BGN_FROM = "2026-01-01"  # ISO dates compare as text
_SHAPES = {
    "primary": re.compile(rf"^/npm/@fawazahmed0/currency-api@{_DAY}/v1/currencies/{_BASE}\.json$"),
    "mirror": re.compile(rf"^/mirror/{_DAY}/v1/currencies/{_BASE}\.json$"),
}


@dataclass(frozen=True)
class FxCall:
    shape: str  # "primary" or "mirror"
    day: str
    base: str
    status: int


@dataclass
class FakeFx:
    tables: dict[tuple[str, str], dict[str, float]] = field(default_factory=dict)
    down: set[str] = field(default_factory=set)
    calls: list[FxCall] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def set_rates(self, day: date, base: str, quotes: dict[str, float]) -> None:
        with self.lock:
            self.tables.setdefault((day.isoformat(), base.lower()), {}).update(quotes)

    def reset(self) -> None:
        with self.lock:
            self.tables.clear()
            self.down.clear()
            self.calls.clear()

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._endpoint, methods=["GET"])])

    async def _endpoint(self, request: Request) -> Response:
        path = request.url.path
        for shape, pattern in _SHAPES.items():
            match = pattern.match(path)
            if match:
                return self._answer(shape, match.group(1), match.group(2))
        return PlainTextResponse("Not found", status_code=404)

    def _answer(self, shape: str, day: str, base: str) -> Response:
        with self.lock:
            if shape in self.down:
                self.calls.append(FxCall(shape, day, base, 503))
                return PlainTextResponse("Service Unavailable", status_code=503)
            quotes = self.tables.get((day, base))
            if day >= NO_BGN_FROM and quotes is not None:
                quotes = None if base == "bgn" else {code: v for code, v in quotes.items() if code != "bgn"}
            status = 200 if quotes is not None else 404
            self.calls.append(FxCall(shape, day, base, status))
        if quotes is None:
            return PlainTextResponse("Couldn't find the requested release version", status_code=404)
        body = json.dumps({"date": day, base: quotes})
        return Response(body, media_type="application/json")
