"""Saving, checking and deleting connections, and what jobs naming one need from it.

A token is checked before it is saved: one the platform refuses is never stored. The token is
kept encrypted with the job tokens' keys (so `rotate-key` re-encrypts it) and never returned.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from marketing_etl.connections.facebook import check_facebook
from marketing_etl.connections.lookup import LookupContext
from marketing_etl.connections.tiktok import check_tiktok
from marketing_etl.contracts.connections import Connection, ConnectionCheck
from marketing_etl.contracts.plugins import FieldProblem
from marketing_etl.job_spec import JobRequest
from marketing_etl.models import utcnow
from marketing_etl.services import Services

Checker = Callable[[LookupContext, datetime], ConnectionCheck]
CHECKERS: dict[str, Checker] = {"facebook": check_facebook, "tiktok": check_tiktok}


class ConnectionNotFound(Exception):
    def __init__(self, connection_id: str) -> None:
        super().__init__(f"No connection with id '{connection_id}'.")
        self.connection_id = connection_id


class ConnectionRefused(Exception):
    """The platform refused the token (nothing was saved), or a saved token is unusable."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def new_connection_id() -> str:
    return f"conn_{secrets.token_hex(8)}"


def lookup_context(services: Services, platform: str, token: str) -> LookupContext:
    return LookupContext(services.settings, services.store, token, platform)


def save(services: Services, platform: str, name: str, token: str, created_by: str | None) -> Connection:
    """Check the token, then save it; ConnectionRefused (nothing saved) if the platform refuses."""
    check = CHECKERS[platform](lookup_context(services, platform, token), utcnow())
    if not check.ok:
        raise ConnectionRefused(check.message)
    connection = Connection(
        connection_id=new_connection_id(),
        platform=platform,
        name=name,
        created_at=utcnow(),
        created_by=created_by,
        last_check=check,
    )
    if not services.store.connections.insert(connection, services.vault.encrypt(token)):
        raise RuntimeError(f"connection id {connection.connection_id} collided; send the request again")
    return connection


def get(services: Services, connection_id: str) -> Connection:
    connection = services.store.connections.get(connection_id)
    if connection is None:
        raise ConnectionNotFound(connection_id)
    return connection


def token(services: Services, connection_id: str) -> str:
    """The saved token; ConnectionRefused if no key in SECRET_KEY reads it."""
    connection = get(services, connection_id)
    ciphertext = services.store.connections.token(connection_id)
    plain = services.vault.decrypt(ciphertext) if ciphertext is not None else None
    if plain is None:
        raise ConnectionRefused(
            f"The token of connection '{connection.name}' cannot be decrypted (SECRET_KEY changed); "
            "delete the connection and save the token again."
        )
    return plain


def recheck(services: Services, connection_id: str) -> Connection:
    """Ask the platform about the saved token again and keep what it said."""
    connection = get(services, connection_id)
    try:
        saved = token(services, connection_id)
    except ConnectionRefused as exc:
        check = ConnectionCheck(checked_at=utcnow(), ok=False, message=exc.message)
    else:
        check = CHECKERS[connection.platform](lookup_context(services, connection.platform, saved), utcnow())
    if not services.store.connections.record_check(connection_id, check):
        raise ConnectionNotFound(connection_id)
    return get(services, connection_id)


def delete(services: Services, connection_id: str) -> None:
    if not services.store.connections.delete(connection_id):
        raise ConnectionNotFound(connection_id)


def request_problems(services: Services, request: JobRequest, field_prefix: str = "") -> list[FieldProblem]:
    """A job naming a connection: it must exist and be of the job's platform."""
    if not request.connection_id:
        return []
    field = f"{field_prefix}connection_id"
    connection = services.store.connections.get(request.connection_id)
    if connection is None:
        return [
            FieldProblem(
                field,
                f"no saved connection has the id '{request.connection_id}'; GET /connections lists "
                "them (or send access_token instead)",
            )
        ]
    source = services.plugins.sources.get(services.plugins.sources.resolve(request.task_type) or "")
    if source is not None and source.platform != connection.platform:
        return [
            FieldProblem(
                field,
                f"the connection '{connection.name}' is a {connection.platform} connection, but "
                f"{request.task_type} reports need a {source.platform} one",
            )
        ]
    return []
