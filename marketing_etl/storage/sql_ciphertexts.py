"""Ciphertexts on SQL: job_tokens.ciphertext, schedules.token, connections.ciphertext, and the
secrets inside schedules.notify (JSON, the ciphertext as text)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from marketing_etl.contracts.ciphertexts import TokenKind
from marketing_etl.storage.sql_report_tables import connections
from marketing_etl.storage.sql_schema import job_tokens, schedules

_COLUMNS: dict[TokenKind, tuple[sa.Column[str], sa.Column[bytes]]] = {
    TokenKind.JOB: (job_tokens.c.job_id, job_tokens.c.ciphertext),
    TokenKind.SCHEDULE: (schedules.c.schedule_id, schedules.c.token),
    TokenKind.CONNECTION: (connections.c.connection_id, connections.c.ciphertext),
}
_NOTIFY_KEYS: dict[TokenKind, str] = {
    TokenKind.NOTIFY_WEBHOOK: "webhook_secret",
    TokenKind.NOTIFY_SLACK: "slack_webhook_url",
}


def _notify_value(key: str) -> sa.ColumnElement[str]:
    value: sa.ColumnElement[str] = schedules.c.notify[key].as_string()
    return value


class SqlCiphertexts:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def page(self, kind: TokenKind, after: str, limit: int) -> list[tuple[str, bytes]]:
        if kind in _NOTIFY_KEYS:
            owner, value = schedules.c.schedule_id, _notify_value(_NOTIFY_KEYS[kind])
            stmt = sa.select(owner, value).where(owner > after, value.is_not(None))
            with self._engine.connect() as conn:
                rows = conn.execute(stmt.order_by(owner).limit(limit))
                return [(row[0], str(row[1]).encode()) for row in rows]
        owner, ciphertext = _COLUMNS[kind]
        stmt = (
            sa.select(owner, ciphertext)
            .where(owner > after, ciphertext.is_not(None))
            .order_by(owner)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [(row[0], bytes(row[1])) for row in conn.execute(stmt)]

    def replace(self, kind: TokenKind, owner_id: str, old: bytes, new: bytes) -> bool:
        if kind in _NOTIFY_KEYS:
            return self._replace_in_notify(_NOTIFY_KEYS[kind], owner_id, old.decode(), new.decode())
        owner, ciphertext = _COLUMNS[kind]
        stmt = (
            sa.update(ciphertext.table)
            .where(owner == owner_id, ciphertext == old)
            .values({ciphertext.name: new})
        )
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1

    def _replace_in_notify(self, key: str, schedule_id: str, old: str, new: str) -> bool:
        # No portable JSON-set across SQLite and PostgreSQL, so the whole notify is written back.
        # Every write of notify encrypts its secrets afresh, so finding all of them unchanged in
        # the UPDATE's condition proves nothing else in it changed since it was read.
        with self._engine.begin() as conn:
            stored = _stored_notify(conn, schedule_id)
            if stored is None or stored.get(key) != old:
                return False
            unchanged = [
                _notify_value(name).is_not_distinct_from(stored.get(name)) for name in _NOTIFY_KEYS.values()
            ]
            stmt = (
                sa.update(schedules)
                .where(schedules.c.schedule_id == schedule_id, *unchanged)
                .values(notify={**stored, key: new})
            )
            return conn.execute(stmt).rowcount == 1


def _stored_notify(conn: Connection, schedule_id: str) -> dict[str, Any] | None:
    stmt = sa.select(schedules.c.notify).where(schedules.c.schedule_id == schedule_id)
    stored = conn.execute(stmt).scalar_one_or_none()
    return dict(stored) if isinstance(stored, dict) else None
