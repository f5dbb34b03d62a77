"""ConnectionStore on SQLite / PostgreSQL: one row per connection, its last check beside it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from marketing_etl.contracts.connections import Connection, ConnectionCheck
from marketing_etl.storage.connection_records import (
    check_values,
    connection_from_record,
    connection_values,
)
from marketing_etl.storage.sql_report_tables import connections

# Every column but the ciphertext, which only `token` reads.
_VISIBLE = [column for column in connections.c if column.name != "ciphertext"]


class SqlConnectionStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def insert(self, connection: Connection, ciphertext: bytes) -> bool:
        values = connection_values(connection, ciphertext)
        try:
            with self._engine.begin() as conn:
                conn.execute(sa.insert(connections).values(**values))
        except IntegrityError:
            return False
        return True

    def get(self, connection_id: str) -> Connection | None:
        found = self._select(connections.c.connection_id == connection_id)
        return found[0] if found else None

    def all(self) -> list[Connection]:
        return self._select(sa.true())

    def token(self, connection_id: str) -> bytes | None:
        stmt = sa.select(connections.c.ciphertext).where(connections.c.connection_id == connection_id)
        with self._engine.connect() as conn:
            ciphertext = conn.execute(stmt).scalar_one_or_none()
        return None if ciphertext is None else bytes(ciphertext)

    def record_check(self, connection_id: str, check: ConnectionCheck) -> bool:
        stmt = (
            sa.update(connections)
            .where(connections.c.connection_id == connection_id)
            .values(**check_values(check))
        )
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1

    def delete(self, connection_id: str) -> bool:
        stmt = sa.delete(connections).where(connections.c.connection_id == connection_id)
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1

    def expiring(self, before: datetime) -> list[Connection]:
        condition = sa.and_(connections.c.expires_at.is_not(None), connections.c.expires_at <= before)
        return self._select(condition, order=(connections.c.expires_at, connections.c.connection_id))

    def _select(self, condition: Any, order: tuple[Any, ...] = ()) -> list[Connection]:
        order = order or (connections.c.name, connections.c.connection_id)
        stmt = sa.select(*_VISIBLE).where(condition).order_by(*order)
        with self._engine.connect() as conn:
            return [connection_from_record(row) for row in conn.execute(stmt).mappings()]
