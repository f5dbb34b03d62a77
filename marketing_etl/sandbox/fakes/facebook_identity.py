"""The fake Graph API's answers about the token itself: /me, /debug_token and /me/adaccounts.

Shapes as the reference gives them: /me is the user node; /debug_token wraps its findings in
`data` (expires_at 0 = never expires; an unusable input_token answers is_valid false with the
error, not an HTTP error); /me/adaccounts pages the world's accounts with `paging.cursors.after`
and a `next` URL while more remain. The sandbox's magic tokens shape the debug_token answer:
SANDBOX_EXPIRES_SOON expires in 12 days, SANDBOX_EXPIRED is no longer valid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from marketing_etl.sandbox.fakes.facebook_params import decode_cursor, encode_cursor, with_param
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.sandbox.magic import EXPIRED_TOKEN, EXPIRES_SOON_DAYS, EXPIRES_SOON_TOKEN

DEFAULT_LIMIT, MAX_LIMIT = 25, 100
_DAY_S = 86_400
ACTIVE = 1  # Graph's account_status of an active account


@dataclass
class Identity:
    """Who the fake's tokens act as, and what they may do."""

    user_id: str = "100000000000001"
    user_name: str = "Sandbox Marketer"
    app_id: str = "900000000000001"
    scopes: tuple[str, ...] = ("ads_read", "read_insights", "business_management")
    expires_in_s: int | None = None  # None: the token never expires (a system user's)


def identity_answer(
    identity: Identity, world: World, parts: list[str], params: dict[str, str], url: str
) -> dict[str, Any] | None:
    """The answer for /me, /me/adaccounts or /debug_token; None for any other path."""
    if parts == ["me"]:
        return {"id": identity.user_id, "name": identity.user_name}
    if parts == ["me", "adaccounts"]:
        return _ad_accounts(world, params, url)
    if parts == ["debug_token"]:
        return {"data": _debug(identity, params.get("input_token", ""))}
    return None


def _debug(identity: Identity, input_token: str) -> dict[str, Any]:
    now = int(time.time())
    if input_token == EXPIRED_TOKEN:
        return {
            "app_id": identity.app_id,
            "is_valid": False,
            "expires_at": now - _DAY_S,
            "scopes": [],
            "error": {
                "code": 190,
                "message": "Error validating access token: Session has expired.",
                "subcode": 463,
            },
        }
    expires_in_s = EXPIRES_SOON_DAYS * _DAY_S if input_token == EXPIRES_SOON_TOKEN else identity.expires_in_s
    return {
        "app_id": identity.app_id,
        "type": "USER",
        "application": "Marketing ETL (fake)",
        "is_valid": True,
        "user_id": identity.user_id,
        "expires_at": 0 if expires_in_s is None else now + expires_in_s,
        "data_access_expires_at": now + 90 * _DAY_S,
        "scopes": list(identity.scopes),
    }


def _ad_accounts(world: World, params: dict[str, str], url: str) -> dict[str, Any]:
    accounts = sorted(world.accounts.values(), key=lambda account: account.id)
    offset = decode_cursor(params["after"]) if params.get("after") else 0
    limit = min(int(params.get("limit") or DEFAULT_LIMIT), MAX_LIMIT)
    page = accounts[offset : offset + limit]
    data = [
        {
            "id": f"act_{account.id}",
            "account_id": account.id,
            "name": account.name,
            "currency": account.currency,
            "timezone_name": account.timezone_name,
            "account_status": ACTIVE,
        }
        for account in page
    ]
    body: dict[str, Any] = {"data": data}
    if not page:
        return body
    after = encode_cursor(offset + len(page))
    body["paging"] = {"cursors": {"before": encode_cursor(offset), "after": after}}
    if offset + len(page) < len(accounts):
        body["paging"]["next"] = with_param(url, "after", after)
    return body
