"""Ciphertexts on SQL: job_tokens.ciphertext and schedules.token."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from marketing_etl.contracts.ciphertexts import TokenKind
from marketing_etl.storage.sql_schema import job_tokens, schedules

_COLUMNS: dict[TokenKind, tuple[sa.Column[str], sa.Column[bytes]]] = {
    TokenKind.JOB: (job_tokens.c.job_id, job_tokens.c.ciphertext),
    TokenKind.SCHEDULE: (schedules.c.schedule_id, schedules.c.token),
}


class SqlCiphertexts:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def page(self, kind: TokenKind, after: str, limit: int) -> list[tuple[str, bytes]]:
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
        owner, ciphertext = _COLUMNS[kind]
        stmt = (
            sa.update(ciphertext.table)
            .where(owner == owner_id, ciphertext == old)
            .values({ciphertext.name: new})
        )
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1
