"""Saved connections, the accounts they can read, and the spreadsheet access check.

Served twice by the same handlers: under /connections and /sheets behind API_KEYS, and under
/api/dashboard behind the dashboard login, where POST and DELETE also need the X-Dashboard header
(as the dashboard's other actions; see routes_dashboard_jobs.py). Tokens are never returned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from marketing_etl.api.auth import require_api_key, require_dashboard_user
from marketing_etl.api.connection_schemas import (
    AdAccountPage,
    AdvertiserList,
    CheckAccessOut,
    CheckAccessRequest,
    ConnectionCreate,
    ConnectionDeleted,
    ConnectionList,
    ConnectionOut,
    access_out,
    ad_account_out,
    advertiser_out,
    connection_out,
)
from marketing_etl.api.deps import ServicesDep
from marketing_etl.api.responses import (
    BODY_TOO_LARGE,
    JSON_BODY_ERRORS,
    Responses,
    invalid_fields,
    json_answer,
)
from marketing_etl.api.routes_dashboard_jobs import CSRF_HEADER, MISSING_HEADER, require_dashboard_header
from marketing_etl.connections import manage
from marketing_etl.connections.facebook import ad_accounts
from marketing_etl.connections.tiktok import advertisers_with_stores
from marketing_etl.contracts.connections import Connection
from marketing_etl.destinations.sheets.access import check_access
from marketing_etl.errors import EtlError
from marketing_etl.job_spec import SPREADSHEET_ID_HINT
from marketing_etl.models import utcnow
from marketing_etl.services import Services

MAX_ACCOUNTS_PER_PAGE = 100
_NOT_FOUND: Responses = {
    404: json_answer("No connection has this id", {"detail": "No connection with id 'conn_x'."})
}
_REFUSED = invalid_fields(
    "The platform refused the token; nothing was saved",
    ["access_token"],
    "Facebook refused the token: Error validating access token: Session has expired.",
)
_BAD_SPREADSHEET = invalid_fields(
    "The spreadsheet is neither a spreadsheet's URL nor its id", ["spreadsheet"], SPREADSHEET_ID_HINT
)
_WRONG_CONNECTION: Responses = {
    422: json_answer(
        "The connection is of the other platform, its token cannot be read, or the platform refused it",
        {"detail": [{"loc": ["path", "connection_id"], "msg": "…", "type": "value_error"}]},
    )
}


def _unusable(message: str) -> HTTPException:
    detail = [{"loc": ["path", "connection_id"], "msg": message, "type": "value_error"}]
    return HTTPException(422, detail)


def _found(services: Services, connection_id: str) -> Connection:
    try:
        return manage.get(services, connection_id)
    except manage.ConnectionNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


def _token_of(services: Services, connection: Connection, platform: str, other_endpoint: str) -> str:
    if connection.platform != platform:
        raise _unusable(
            f"'{connection.name}' is a {connection.platform} connection; this list is for "
            f"{platform} connections (use {other_endpoint})"
        )
    try:
        return manage.token(services, connection.connection_id)
    except manage.ConnectionRefused as exc:
        raise _unusable(exc.message) from exc


def save(body: ConnectionCreate, services: Services, created_by: str | None) -> ConnectionOut:
    token = body.access_token.get_secret_value()
    try:
        connection = manage.save(services, body.platform, body.name, token, created_by)
    except manage.ConnectionRefused as exc:
        platform = "Facebook" if body.platform == "facebook" else "TikTok"
        detail = [
            {
                "loc": ["body", "access_token"],
                "msg": f"{platform} refused the token: {exc.message}",
                "type": "value_error",
            }
        ]
        raise HTTPException(422, detail) from exc
    return connection_out(connection, utcnow())


def create_public(body: ConnectionCreate, services: ServicesDep) -> ConnectionOut:
    """Checks the token with the platform at once (Facebook /me and debug_token, TikTok's
    advertisers); a token the platform refuses gives 422 and nothing is saved."""
    return save(body, services, None)


def create_dashboard(
    body: ConnectionCreate, services: ServicesDep, user: Annotated[str, Depends(require_dashboard_user)]
) -> ConnectionOut:
    """As POST /connections, remembering the dashboard user who saved it. Needs X-Dashboard."""
    return save(body, services, user)


def list_all(services: ServicesDep) -> ConnectionList:
    """Every connection by name, with what its last check found."""
    now = utcnow()
    return ConnectionList(connections=[connection_out(c, now) for c in services.store.connections.all()])


def get_one(connection_id: str, services: ServicesDep) -> ConnectionOut:
    """The connection and what its last check found (never its token)."""
    return connection_out(_found(services, connection_id), utcnow())


def check(connection_id: str, services: ServicesDep) -> ConnectionOut:
    """Asks the platform about the saved token again; the answer is kept and returned."""
    _found(services, connection_id)
    try:
        return connection_out(manage.recheck(services, connection_id), utcnow())
    except manage.ConnectionNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


def delete(connection_id: str, services: ServicesDep) -> ConnectionDeleted:
    """Jobs and schedules that name it fail from then on, saying so."""
    try:
        manage.delete(services, connection_id)
    except manage.ConnectionNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    return ConnectionDeleted(connection_id=connection_id)


def list_ad_accounts(
    connection_id: str,
    services: ServicesDep,
    q: Annotated[str, Query(max_length=200, description="part of the name or id, any case")] = "",
    after: Annotated[str, Query(max_length=500, description="`next` of the previous page")] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_ACCOUNTS_PER_PAGE)] = 50,
) -> AdAccountPage:
    """The ad accounts a Facebook connection can read (Graph's /me/adaccounts), a page at a
    time. With `q`, pages are read until `limit` matches are found, so a page may hold a few
    more than `limit`."""
    connection = _found(services, connection_id)
    token = _token_of(services, connection, "facebook", "/advertisers")
    try:
        found, cursor = ad_accounts(manage.lookup_context(services, "facebook", token), q, after, limit)
    except EtlError as exc:
        raise _unusable(exc.user_message) from exc
    return AdAccountPage(accounts=[ad_account_out(a) for a in found], next=cursor)


def list_advertisers(connection_id: str, services: ServicesDep) -> AdvertiserList:
    """The advertisers a TikTok connection reaches, each with its stores where GMV Max is
    available."""
    connection = _found(services, connection_id)
    token = _token_of(services, connection, "tiktok", "/ad-accounts")
    try:
        found = advertisers_with_stores(manage.lookup_context(services, "tiktok", token))
    except EtlError as exc:
        raise _unusable(exc.user_message) from exc
    return AdvertiserList(advertisers=[advertiser_out(a) for a in found])


def sheets_check_access(body: CheckAccessRequest, services: ServicesDep) -> CheckAccessOut:
    """Reads the spreadsheet's title and tabs with the service account. When it cannot, `ok`
    is false and `message` says what to do, e.g. "Share it with <client_email> as Editor"."""
    ctx = manage.lookup_context(services, "sheets", "")
    return access_out(check_access(ctx, body.spreadsheet))


def _register(
    router: APIRouter, create: Callable[..., Any], actions: list[Any], action_answers: Responses
) -> None:
    """The same endpoints on either router; `actions` guard the POSTs and the DELETE, which
    declare `action_answers` besides their own."""
    one = "/connections/{connection_id}"
    routes: list[tuple[str, str, Callable[..., Any], Any, str, Responses, int]] = [
        (
            "POST",
            "/connections",
            create,
            ConnectionOut,
            "Save a platform token as a named connection",
            {**JSON_BODY_ERRORS, **_REFUSED},
            201,
        ),
        ("GET", "/connections", list_all, ConnectionList, "List saved connections", {}, 200),
        ("GET", one, get_one, ConnectionOut, "One saved connection", _NOT_FOUND, 200),
        (
            "POST",
            one + "/check",
            check,
            ConnectionOut,
            "Check a saved connection's token again",
            {**BODY_TOO_LARGE, **_NOT_FOUND},
            200,
        ),
        ("DELETE", one, delete, ConnectionDeleted, "Delete a saved connection", _NOT_FOUND, 200),
        (
            "GET",
            one + "/ad-accounts",
            list_ad_accounts,
            AdAccountPage,
            "Facebook ad accounts a connection can read",
            {**_NOT_FOUND, **_WRONG_CONNECTION},
            200,
        ),
        (
            "GET",
            one + "/advertisers",
            list_advertisers,
            AdvertiserList,
            "TikTok advertisers and GMV Max stores of a connection",
            {**_NOT_FOUND, **_WRONG_CONNECTION},
            200,
        ),
        (
            "POST",
            "/sheets/check-access",
            sheets_check_access,
            CheckAccessOut,
            "Check that the service account can open a spreadsheet",
            {**JSON_BODY_ERRORS, **_BAD_SPREADSHEET},
            200,
        ),
    ]
    for method, path, endpoint, model, summary, responses, code in routes:
        router.add_api_route(
            path,
            endpoint,
            methods=[method],
            response_model=model,
            summary=summary,
            responses=responses if method == "GET" else {**responses, **action_answers},
            status_code=code,
            dependencies=actions if method != "GET" else [],
        )


_UNAUTHORIZED: Responses = {
    401: {"description": "API_KEYS is set and the X-API-Key header is missing or wrong"}
}
router = APIRouter(tags=["connections"], dependencies=[Depends(require_api_key)], responses=_UNAUTHORIZED)
_register(router, create_public, [], {})

dashboard_router = APIRouter(
    prefix="/api/dashboard",
    tags=["dashboard"],
    dependencies=[Depends(require_dashboard_user)],
    responses={401: {"description": "Missing or wrong dashboard login (HTTP Basic)"}},
)
_HEADER_MISSING: Responses = {
    403: json_answer(f"The {CSRF_HEADER} header is missing (any value will do)", {"detail": MISSING_HEADER})
}
_register(dashboard_router, create_dashboard, [Depends(require_dashboard_header)], _HEADER_MISSING)
