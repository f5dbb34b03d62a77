"""Service-account credentials from GOOGLE_CREDENTIALS_PATH, and what to say when they are unusable.

google-auth signs the JWT and exchanges it at the key file's own `token_uri` (so a local token
server works in tests). Its token request goes through httpx like every other call here, via the
small transport adapter below, instead of pulling in `requests`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from google.auth import exceptions as google_exceptions
from google.auth import transport
from google.oauth2 import service_account

from marketing_etl.errors import AccessDenied
from marketing_etl.settings import Settings

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
TOKEN_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

HOW_TO_CONFIGURE = (
    "Create a service account in Google Cloud (enable the Google Sheets API), download its JSON "
    "key, save it at that path or point GOOGLE_CREDENTIALS_PATH at it, and share the spreadsheet "
    "with the key's client_email as Editor. Without Google access, send destination \"xlsx\" or "
    "\"csv\" to get a file instead."
)


class CredentialsProblem(Exception):
    """The key file is missing or unusable; the message says which and how to fix it."""


@dataclass(frozen=True)
class ServiceAccount:
    credentials: service_account.Credentials
    client_email: str


def load_service_account(path: Path) -> ServiceAccount:
    where = f"GOOGLE_CREDENTIALS_PATH ({path})"
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CredentialsProblem(f"No Google credentials: {where} does not exist.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CredentialsProblem(f"{where} is not a readable JSON key file ({exc}).") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise CredentialsProblem(
            f"{where} is not a service-account key (its \"type\" must be \"service_account\")."
        )
    try:
        credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=SCOPES
        )
    except (ValueError, google_exceptions.GoogleAuthError) as exc:
        raise CredentialsProblem(f"{where} cannot be used: {exc}") from None
    return ServiceAccount(credentials, str(info["client_email"]))


def credentials_problem(settings: Settings) -> str | None:
    """What is wrong with the configured key file, with the fix; None when it loads."""
    try:
        load_service_account(settings.google_credentials_path)
    except CredentialsProblem as exc:
        return f"{exc} {HOW_TO_CONFIGURE}"
    return None


def refresh_token(account: ServiceAccount, http: httpx.Client) -> str:
    """A valid access token, fetched from the key's token_uri when none is held or it expires."""
    credentials = account.credentials
    if not credentials.valid:
        try:
            credentials.refresh(HttpxAuthRequest(http))  # type: ignore[no-untyped-call]
        except google_exceptions.GoogleAuthError as exc:
            raise AccessDenied(
                f"Google refused the service-account key in GOOGLE_CREDENTIALS_PATH ({exc}). "
                "Create a new JSON key for the service account (the old one may have been deleted "
                "or rotated), and check the server clock."
            ) from None
    return str(credentials.token)


class _Response(transport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class HttpxAuthRequest(transport.Request):
    """google-auth's transport interface over an httpx client."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _Response:
        try:
            response = self._http.request(
                method, url, content=body, headers=dict(headers or {}), timeout=TOKEN_TIMEOUT
            )
        except httpx.HTTPError as exc:
            raise google_exceptions.TransportError(str(exc)) from exc  # type: ignore[no-untyped-call]
        return _Response(response)
