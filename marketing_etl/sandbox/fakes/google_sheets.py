"""Fake Google Sheets API v4 + OAuth token server, one ASGI app on loopback.

    google = FakeGoogle()
    with serve_google(google) as base_url:            # tests/fakes: token_uri = base_url + "/token"
        key_file = google.key_file(tmp_path, "writer@fake-project.iam.gserviceaccount.com")
        book = google.add_spreadsheet("1AbC...", editors=["writer@..."])
        ... run jobs with GOOGLE_SHEETS_API_URL=base_url, GOOGLE_CREDENTIALS_PATH=key_file ...
        book.tab("Report").values()

Paths are split on the literal ':' method suffix before the range is percent-decoded, as
Google's clients send them. It checks bearer tokens (401), sharing (403), existence (404), grid
limits and the 10M-cell limit (400), a per-minute read/write quota per account (429), and can
be told to fail on purpose (`inject`), including "apply the write, then answer 503".
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from marketing_etl.sandbox.fakes import google_batch, google_values
from marketing_etl.sandbox.fakes.google_grid import ApiError, FakeSpreadsheet, FakeTab
from marketing_etl.sandbox.fakes.google_token import TokenError, TokenServer

READS = frozenset({"get", "values.get"})
_STATUS_TEXT = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 502: "UNAVAILABLE"}


@dataclass
class Fault:
    status: int
    kind: str | None = None  # e.g. "values.batchUpdate"; None: any Sheets call
    times: int = 1  # how many calls fail; -1: until cleared
    after: int = 0  # let this many matching calls through first
    apply: bool = False  # carry the call out, then answer with the error anyway


@dataclass(frozen=True)
class Call:
    kind: str
    status: int
    email: str | None
    body_bytes: int
    ranges: tuple[str, ...] = ()  # what a values write targeted


@dataclass
class FakeGoogle:
    quota_per_minute: int = 60  # per account, reads and writes counted apart (like Google)
    latency_s: float = 0.0
    token: TokenServer = field(default_factory=TokenServer)
    books: dict[str, FakeSpreadsheet] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    base_url: str = ""
    _used: dict[tuple[str, str, int], int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # setting up, for tests ------------------------------------------------------------------
    def key_file(self, directory: Path, client_email: str) -> Path:
        return self.token.new_key_file(directory, client_email, f"{self.base_url}/token")

    def add_spreadsheet(
        self, spreadsheet_id: str, *, editors: list[str], tabs: dict[str, tuple[int, int]] | None = None
    ) -> FakeSpreadsheet:
        book = FakeSpreadsheet(spreadsheet_id, set(editors))
        for index, (title, (rows, cols)) in enumerate((tabs or {"Sheet1": (1000, 26)}).items()):
            book.tabs.append(FakeTab(sheet_id=index * 11, title=title, rows=rows, cols=cols))
        self.books[spreadsheet_id] = book
        return book

    def reset(self) -> None:
        """Forget spreadsheets, faults, calls and quota use (the keys and tokens stay valid)."""
        with self.lock:
            self.books.clear()
            self.faults.clear()
            self.calls.clear()
            self._used.clear()
            self.latency_s = 0.0
            self.quota_per_minute = 60

    def reset_quota(self) -> None:
        with self.lock:
            self._used.clear()

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def count(self, kind: str, status: int | None = 200) -> int:
        return sum(1 for c in self.calls if c.kind == kind and (status is None or c.status == status))

    # serving ----------------------------------------------------------------------------------
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._endpoint, methods=["GET", "POST", "PUT"])])

    async def _endpoint(self, request: Request) -> Response:
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        body = await request.body()
        raw_path = request.scope.get("raw_path", b"").decode()
        if raw_path == "/token" and request.method == "POST":
            return self._token(body)
        with self.lock:
            try:
                kind, book_id, range_text = _route(request.method, raw_path)
                email = self._caller(request)
            except ApiError as exc:
                return _error(exc)
            try:
                answer = self._sheets_call(kind, book_id, range_text, email, request, body)
            except ApiError as exc:
                self.calls.append(Call(kind, exc.code, email, len(body)))
                return _error(exc)
            self.calls.append(Call(kind, 200, email, len(body), _ranges(kind, range_text, body)))
            return JSONResponse(answer)

    def _token(self, body: bytes) -> Response:
        form = dict(parse_qsl(body.decode()))
        with self.lock:
            try:
                return JSONResponse(self.token.exchange(form))
            except TokenError as exc:
                return JSONResponse({"error": exc.error, "error_description": exc.description}, 400)

    def _caller(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        email = self.token.tokens.get(header.removeprefix("Bearer ").strip())
        if email is None:
            raise ApiError(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
                "UNAUTHENTICATED",
            )
        return email

    def _sheets_call(
        self, kind: str, book_id: str, range_text: str, email: str, request: Request, body: bytes
    ) -> dict[str, Any]:
        fault = self._take_fault(kind)
        if fault is not None and not fault.apply:
            raise _fault_error(fault)
        self._spend_quota(email, kind)
        book = self.books.get(book_id)
        if book is None:
            raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
        if email not in book.editors:
            raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
        params = dict(request.query_params)
        payload: dict[str, Any] = json.loads(body) if body else {}
        answer = _dispatch(kind, book, range_text, params, payload)
        if fault is not None:
            raise _fault_error(fault)
        return answer

    def _take_fault(self, kind: str) -> Fault | None:
        for fault in self.faults:
            if fault.kind not in (None, kind) or fault.times == 0:
                continue
            if fault.after > 0:
                fault.after -= 1
                continue
            if fault.times > 0:
                fault.times -= 1
            return fault
        return None

    def _spend_quota(self, email: str, kind: str) -> None:
        group = "Read" if kind in READS else "Write"
        key = (email, group, int(time.time() // 60))
        if self._used.get(key, 0) >= self.quota_per_minute:
            raise ApiError(
                429,
                f"Quota exceeded for quota metric '{group} requests' and limit '{group} requests per "
                "minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:1'.",
                "RESOURCE_EXHAUSTED",
            )
        self._used[key] = self._used.get(key, 0) + 1


def _dispatch(
    kind: str, book: FakeSpreadsheet, range_text: str, params: dict[str, str], payload: dict[str, Any]
) -> dict[str, Any]:
    if kind == "get":
        return {"spreadsheetId": book.spreadsheet_id, "properties": {"title": book.title},
                "sheets": [{"properties": t.properties(i)} for i, t in enumerate(book.tabs)]}
    if kind == "batchUpdate":
        return google_batch.batch_update(book, payload)
    return google_values.handle(kind, book, range_text, params, payload)


def _route(method: str, raw_path: str) -> tuple[str, str, str]:
    prefix = "/v4/spreadsheets/"
    if not raw_path.startswith(prefix):
        raise ApiError(404, "Method not found.", "NOT_FOUND")
    rest = raw_path[len(prefix) :]
    if "/values/" in rest:
        book_id, _, tail = rest.partition("/values/")
        range_part, _, method_name = tail.partition(":")
        kinds = {("GET", ""): "values.get", ("PUT", ""): "values.update",
                 ("POST", "append"): "values.append", ("POST", "clear"): "values.clear"}
        kind = kinds.get((method, method_name))
        range_text = unquote(range_part)
    else:
        book_id, _, method_name = rest.partition(":")
        if book_id.endswith("/values"):
            book_id = book_id.removesuffix("/values")
            method_name = "values." + method_name
        kinds = {("GET", ""): "get", ("POST", "batchUpdate"): "batchUpdate",
                 ("POST", "values.batchUpdate"): "values.batchUpdate"}
        kind = kinds.get((method, method_name))
        range_text = ""
    if kind is None:
        raise ApiError(404, f"Method not found: {method} {raw_path}", "NOT_FOUND")
    return kind, book_id, range_text


def _ranges(kind: str, range_text: str, body: bytes) -> tuple[str, ...]:
    if kind == "values.batchUpdate":
        return tuple(entry["range"] for entry in json.loads(body).get("data", []))
    return (range_text,) if kind == "values.update" else ()


def _fault_error(fault: Fault) -> ApiError:
    status = _STATUS_TEXT.get(fault.status, "FAILED_PRECONDITION")
    message = {429: "Quota exceeded for quota metric 'Write requests'.",
               503: "The service is currently unavailable."}.get(fault.status, "Internal error encountered.")
    if fault.status < 429:
        message = f"Injected failure {fault.status}."
    return ApiError(fault.status, message, status)


def _error(exc: ApiError) -> JSONResponse:
    return JSONResponse({"error": {"code": exc.code, "message": exc.message, "status": exc.status}}, exc.code)
