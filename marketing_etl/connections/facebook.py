"""A Facebook token's check (GET /me and /debug_token) and the ad accounts it can read
(GET /me/adaccounts, paged by Graph's `after` cursors), through the Graph client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from marketing_etl.connections.lookup import LookupContext
from marketing_etl.contracts.connections import ConnectionCheck
from marketing_etl.errors import EtlError
from marketing_etl.sources.facebook.client import GraphClient
from marketing_etl.sources.facebook.throttle import FacebookTuning

# A check answers an HTTP request: a few short retries, not a job's patience.
LOOKUP_TUNING = FacebookTuning(transient_retries=2, transient_base_s=1.0, transient_cap_s=5.0)
ACCOUNT_FIELDS = "id,account_id,name,currency,timezone_name,account_status"
MAX_PAGES_SEARCHED = 50
# Graph's account_status codes (Marketing API reference, AdAccount).
ACCOUNT_STATUSES = {
    1: "active",
    2: "disabled",
    3: "unsettled",
    7: "pending_risk_review",
    8: "pending_settlement",
    9: "in_grace_period",
    100: "pending_closure",
    101: "closed",
    201: "any_active",
    202: "any_closed",
}


@dataclass(frozen=True)
class AdAccount:
    account_id: str  # act_<digits>
    name: str
    currency: str
    timezone_name: str
    status: str


@contextmanager
def _graph(ctx: LookupContext) -> Iterator[GraphClient]:
    with ctx.running():
        client = GraphClient(ctx, LOOKUP_TUNING, 1)
        try:
            yield client
        finally:
            client.close()


def check_facebook(ctx: LookupContext, now: datetime) -> ConnectionCheck:
    """Who the token acts as, its scopes and expiry; ok False with Facebook's reason if refused."""
    try:
        with _graph(ctx) as graph:
            me = graph.get("me", {"fields": "id,name"}, account_id="")
            debug = graph.get("debug_token", {"input_token": ctx.access_token}, account_id="")
    except EtlError as exc:
        return ConnectionCheck(checked_at=now, ok=False, message=ctx.redact(exc.user_message))
    data: dict[str, Any] = debug.get("data") or {}
    owner_name, owner_id = me.get("name"), me.get("id")
    if not data.get("is_valid", False):
        reason = (data.get("error") or {}).get("message") or "Facebook says the token is no longer valid"
        return ConnectionCheck(
            checked_at=now,
            ok=False,
            message=ctx.redact(str(reason)),
            owner_name=owner_name,
            owner_id=owner_id,
        )
    expires = int(data.get("expires_at") or 0)
    return ConnectionCheck(
        checked_at=now,
        ok=True,
        message="Facebook accepted the token.",
        scopes=tuple(str(scope) for scope in data.get("scopes") or ()),
        expires_at=datetime.fromtimestamp(expires, UTC) if expires else None,  # 0: never expires
        owner_name=owner_name,
        owner_id=owner_id,
    )


def ad_accounts(ctx: LookupContext, query: str, after: str, limit: int) -> tuple[list[AdAccount], str | None]:
    """One page of the token's ad accounts, and the cursor of the next (None at the end).
    With `query`, pages are read until `limit` matches (by name or id) are found."""
    needle = query.strip().lower()
    found: list[AdAccount] = []
    cursor: str | None = after or None
    with _graph(ctx) as graph:
        for _ in range(MAX_PAGES_SEARCHED):
            params = {"fields": ACCOUNT_FIELDS, "limit": limit, **({"after": cursor} if cursor else {})}
            body = graph.get("me/adaccounts", params, account_id="")
            found += [a for a in map(_account, body.get("data") or []) if _matches(a, needle)]
            paging = body.get("paging") or {}
            cursor = (paging.get("cursors") or {}).get("after") if paging.get("next") else None
            if cursor is None or len(found) >= limit:
                break
    return found, cursor


def _account(node: dict[str, Any]) -> AdAccount:
    status = node.get("account_status")
    return AdAccount(
        account_id=str(node.get("id") or f"act_{node.get('account_id')}"),
        name=str(node.get("name") or ""),
        currency=str(node.get("currency") or ""),
        timezone_name=str(node.get("timezone_name") or ""),
        status=ACCOUNT_STATUSES.get(int(status), str(status)) if status is not None else "unknown",
    )


def _matches(account: AdAccount, needle: str) -> bool:
    return not needle or needle in account.name.lower() or needle in account.account_id.lower()
