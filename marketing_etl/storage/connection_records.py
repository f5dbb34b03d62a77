"""Saved connections as stored, shared by the SQL and MongoDB stores: the fields of a
connection's last check, flat beside it (all null until the first check)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marketing_etl.contracts.connections import Connection, ConnectionCheck
from marketing_etl.storage.common import plain


def connection_values(connection: Connection, ciphertext: bytes) -> dict[str, Any]:
    return {
        "connection_id": connection.connection_id,
        "platform": connection.platform,
        "name": connection.name,
        "ciphertext": ciphertext,
        "created_at": plain(connection.created_at),
        "created_by": connection.created_by,
        **check_values(connection.last_check),
    }


def check_values(check: ConnectionCheck | None) -> dict[str, Any]:
    if check is None:
        return {}
    return {
        "checked_at": plain(check.checked_at),
        "check_ok": check.ok,
        "check_message": check.message,
        "owner_name": check.owner_name,
        "owner_id": check.owner_id,
        "scopes": list(check.scopes),
        "expires_at": None if check.expires_at is None else plain(check.expires_at),
    }


def connection_from_record(record: Mapping[Any, Any]) -> Connection:
    return Connection(
        connection_id=record["connection_id"],
        platform=record["platform"],
        name=record["name"],
        created_at=record["created_at"],
        created_by=record.get("created_by"),
        last_check=_check_from_record(record),
    )


def _check_from_record(record: Mapping[Any, Any]) -> ConnectionCheck | None:
    if record.get("checked_at") is None:
        return None
    return ConnectionCheck(
        checked_at=record["checked_at"],
        ok=bool(record["check_ok"]),
        message=record.get("check_message") or "",
        owner_name=record.get("owner_name"),
        owner_id=record.get("owner_id"),
        scopes=tuple(record.get("scopes") or ()),
        expires_at=record.get("expires_at"),
    )
