"""Who may call what: X-API-Key on /reports/* (when API_KEYS is set), HTTP Basic on the dashboard.

/healthz, /docs and /openapi.json stay open. Secrets are compared in constant time.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import HTTPException, Security, status
from fastapi.security import APIKeyHeader, HTTPBasic, HTTPBasicCredentials

from marketing_etl.api.deps import ContextDep

API_KEY_HEADER = "X-API-Key"
REALM = "Marketing ETL dashboard"

_api_key = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="Needed only when the server sets API_KEYS; send one of those keys.",
)
_basic = HTTPBasic(auto_error=False, realm=REALM, description="The dashboard login.")


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
    context: ContextDep, credentials: Annotated[HTTPBasicCredentials | None, Security(_basic)] = None
) -> str:
    if credentials is None or not context.dashboard_auth.check(credentials.username, credentials.password):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "The dashboard needs a login: HTTP Basic auth with the dashboard user and password.",
            headers={"WWW-Authenticate": f'Basic realm="{REALM}"'},
        )
    return credentials.username
