"""Who may call what: X-API-Key on /reports/* (when API_KEYS is set), HTTP Basic on the dashboard.

/healthz, /docs and /openapi.json stay open. Secrets are compared in constant time, and any
Authorization header a client can send (garbage, non-base64, non-UTF-8, a password of any length)
ends in 401, never in a 500.
"""

from __future__ import annotations

import binascii
import hmac
from base64 import b64decode
from dataclasses import dataclass
from typing import Annotated

from fastapi import HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPBasic
from fastapi.security.utils import get_authorization_scheme_param

from marketing_etl.api.deps import ContextDep

API_KEY_HEADER = "X-API-Key"
REALM = "Marketing ETL dashboard"

_api_key = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="Needed only when the server sets API_KEYS; send one of those keys.",
)


@dataclass(frozen=True)
class BasicLogin:
    username: str
    password: bytes


class _LenientBasic(HTTPBasic):
    """HTTP Basic that hands over the password as bytes and reads any malformed header as no login.

    FastAPI's own HTTPBasic decodes the header as ASCII, so it refuses UTF-8 passwords (RFC 7617
    allows them) and answers "Not authenticated" without our realm.
    """

    async def __call__(self, request: Request) -> BasicLogin | None:  # type: ignore[override]
        scheme, param = get_authorization_scheme_param(request.headers.get("Authorization"))
        if scheme.lower() != "basic":
            return None
        try:
            decoded = b64decode(param, validate=True)
        except (binascii.Error, ValueError):
            return None
        user_bytes, separator, password = decoded.partition(b":")
        try:
            username = user_bytes.decode()
        except UnicodeDecodeError:
            return None
        return BasicLogin(username, password) if separator else None


_basic = _LenientBasic(auto_error=False, realm=REALM, description="The dashboard login.")


def require_api_key(context: ContextDep, key: Annotated[str | None, Security(_api_key)] = None) -> None:
    allowed = context.settings.api_key_list
    if not allowed:
        return
    given = (key or "").encode()
    matches = [hmac.compare_digest(given, candidate.encode()) for candidate in allowed]
    if key is None or not any(matches):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"A valid API key is required: send it in the {API_KEY_HEADER} header.",
        )


def require_dashboard_user(
    context: ContextDep, login: Annotated[BasicLogin | None, Security(_basic)] = None
) -> str:
    if login is None or not context.dashboard_auth.check(login.username, login.password):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "The dashboard needs a login: HTTP Basic auth with the dashboard user and password.",
            headers={"WWW-Authenticate": f'Basic realm="{REALM}"'},
        )
    return login.username
