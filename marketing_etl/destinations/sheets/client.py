"""A thin Sheets API v4 client: auth header, quota budget, error mapping, over the shared
client factory (timeouts, one ApiCall per request). It never retries by itself: callers wrap
operations in the Sheets retrier (retry.py), so a compound step (read, then change) is retried whole.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from google.auth import exceptions as google_exceptions

from marketing_etl.context import JobContext
from marketing_etl.destinations.sheets.a1 import path_segment
from marketing_etl.destinations.sheets.auth import ServiceAccount, refresh_token
from marketing_etl.destinations.sheets.retry import Retryable
from marketing_etl.errors import AccessDenied, UserError
from marketing_etl.http import Answer, ApiClient, NoAnswer, retry_after_s
from marketing_etl.ratelimit import Budget, Limit, acquire

# Google gives up on a request after 180 s; wait a little longer before calling it lost.
TIMEOUT = httpx.Timeout(190.0, connect=10.0)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# google-auth's own clients give up after two fresh tokens are refused too.
MAX_TOKEN_REFUSALS = 2
PLATFORM = "sheets"

Json = dict[str, Any]


class SheetsClient:
    def __init__(
        self,
        ctx: JobContext,
        account: ServiceAccount,
        api: ApiClient,
        *,
        budget: Budget,
        spreadsheet_id: str,
    ) -> None:
        settings = ctx.settings
        self._ctx = ctx
        self._account = account
        self._api = api
        self._budget = budget
        self._limits = [Limit(settings.sheets_writes_per_minute, 60.0)]
        self._max_wait_s = float(settings.sheets_max_wait_s)
        self._base = f"{settings.google_sheets_api_url.rstrip('/')}/v4/spreadsheets/{spreadsheet_id}"
        self.spreadsheet_id = spreadsheet_id
        self._token_refusals = 0

    @property
    def client_email(self) -> str:
        return self._account.client_email

    # the calls this writer makes ------------------------------------------------------------
    def get_title_and_tabs(self) -> Json:
        return self._call(
            "GET", "", "", params={"fields": "properties.title,sheets.properties.title"}, write=False
        )

    def get_spreadsheet(self) -> Json:
        return self._call("GET", "", "", params={"fields": "sheets.properties"}, write=False)

    def get_values(self, range_name: str) -> list[list[Any]]:
        answer = self._call(
            "GET", f"/values/{path_segment(range_name)}", "/values/{range}",
            params={"majorDimension": "ROWS", "valueRenderOption": "UNFORMATTED_VALUE"},
            write=False,
        )
        values: list[list[Any]] = answer.get("values", [])
        return values

    def update_values(self, range_name: str, values: list[list[Any]]) -> Json:
        return self._call(
            "PUT", f"/values/{path_segment(range_name)}", "/values/{range}",
            params={"valueInputOption": "RAW"}, body=json.dumps({"values": values}).encode(),
        )

    def batch_update_values(self, body: bytes) -> Json:
        """`body` is a ready ValueRange batch: big chunks are serialized once, not per attempt."""
        return self._call("POST", "/values:batchUpdate", "/values:batchUpdate", body=body)

    def batch_update(self, requests: list[Json]) -> Json:
        body = json.dumps({"requests": requests, "includeSpreadsheetInResponse": False}).encode()
        return self._call("POST", ":batchUpdate", ":batchUpdate", body=body)

    # one request --------------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        template: str,
        *,
        params: dict[str, str] | None = None,
        body: bytes | None = None,
        write: bool = True,
    ) -> Json:
        waited = acquire(
            self._budget, "writes" if write else "reads", self._limits,
            wait=self._ctx.wait, max_wait_s=self._max_wait_s, on_wait=self._budget_note,
        )
        self._ctx.check_cancel()
        try:
            token = refresh_token(self._account, self._api.http)
        except google_exceptions.TransportError as exc:
            raise Retryable(f"Google's token server could not be reached ({exc}).", status=None) from exc
        usage: dict[str, float] = {"request_bytes": len(body or b"")}
        if waited:
            usage["budget_wait_s"] = round(waited, 3)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        content = None
        if body is not None:
            # httpx keeps each response in a reference cycle with its request, so a body passed
            # as bytes lives until the cyclic GC runs: 2 MB per call, piling up. An iterator,
            # once sent, lets go of it; the explicit length keeps the request unchunked.
            content = iter((body,))
            headers["Content-Length"] = str(len(body))
        try:
            answer = self._api.send(
                method, self._base + path, _read,
                endpoint=f"{method} /v4/spreadsheets/{{id}}{template}", usage=usage,
                params=params, content=content, headers=headers,
            )
        except NoAnswer as exc:
            raise Retryable(f"Google Sheets did not answer ({exc.cause_name}).", status=None) from exc
        if answer.error is not None:
            raise self._error(answer.response, answer.error)
        result: Json = answer.response.json() if answer.response.content else {}
        return result

    def _budget_note(self, seconds: float) -> None:
        self._ctx.progress(
            None, f"Waiting {seconds:.1f} s for the shared Google Sheets budget (other jobs are writing)."
        )

    def _error(self, response: httpx.Response, message: str) -> Exception:
        status = response.status_code
        if status in RETRY_STATUSES or _is_rate_limit(response):
            return Retryable(f"Google Sheets answered {status} ({message}).", status=status,
                             retry_after_s=retry_after_s(response.headers))
        if status == 401 and self._token_refusals < MAX_TOKEN_REFUSALS:
            self._token_refusals += 1
            # Drop the refused token so the next attempt fetches a new one.
            self._account.credentials.token = None
            return Retryable("Google Sheets refused the access token; fetching a new one.", status=401)
        if status == 401:
            return AccessDenied(
                f"Google Sheets keeps refusing the service account's access tokens ({message}). "
                "Check that the Google Sheets API is enabled for the service account's project and "
                "that its key in GOOGLE_CREDENTIALS_PATH is current."
            )
        if status == 403:
            return AccessDenied(
                f"Google Sheets refused access to spreadsheet {self.spreadsheet_id} ({message}). "
                f"Share the spreadsheet with {self.client_email} as Editor."
            )
        if status == 404:
            return UserError(
                f"Google Sheets: spreadsheet {self.spreadsheet_id} not found. Check spreadsheet_id "
                "(the id in the sheet's URL) and that the spreadsheet was not deleted."
            )
        return UserError(f"Google Sheets refused the request: {message}")


def _read(response: httpx.Response) -> Answer:
    return Answer(response, None if response.is_success else _google_message(response))


def _google_message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
    except ValueError:
        return response.text[:300] or response.reason_phrase
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return response.reason_phrase


def _is_rate_limit(response: httpx.Response) -> bool:
    """Older front-ends signal quota with 403 rateLimitExceeded instead of 429."""
    if response.status_code != 403:
        return False
    try:
        error = response.json().get("error", {})
    except ValueError:
        return False
    reasons = {str(item.get("reason")) for item in error.get("errors", []) if isinstance(item, dict)}
    return error.get("status") == "RESOURCE_EXHAUSTED" or bool(
        reasons & {"rateLimitExceeded", "userRateLimitExceeded"}
    )
