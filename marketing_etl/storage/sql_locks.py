"""Named leases (contracts/locks.py) on SQLite and PostgreSQL.

Taking a lease is one upsert whose update applies only to an expired lease or to the owner's
own, so the database decides between two workers racing for it: the loser's statement changes
no row (RETURNING says which). Waiting callers poll `current` (a read) rather than the upsert,
because on SQLite every write queues behind the others.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from marketing_etl.contracts.locks import LockHolder
from marketing_etl.storage.sql_schema import locks

_TRIES = 3


class SqlLocks:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def acquire(
        self, name: str, *, label: str, owner: str, holder: str, lease_until: datetime, now: datetime
    ) -> LockHolder | None:
        dialect = sqlite if self._engine.dialect.name == "sqlite" else postgresql
        stmt = dialect.insert(locks).values(
            name=name, label=label, owner=owner, holder=holder, expires_at=lease_until
        )
        upsert = stmt.on_conflict_do_update(
            index_elements=[locks.c.name],
            set_={"owner": owner, "holder": holder, "label": label, "expires_at": lease_until},
            where=sa.or_(locks.c.expires_at < now, locks.c.owner == owner),
        ).returning(locks.c.owner)
        # A lease released between the refused upsert and the read is free again: try again.
        for _ in range(_TRIES):
            with self._engine.begin() as conn:
                if conn.execute(upsert).first() is not None:
                    return None
                row = conn.execute(sa.select(locks).where(locks.c.name == name)).mappings().first()
            if row is not None:
                return _holder(row)
        return LockHolder(label=label, owner="", holder="another job", expires_at=lease_until)

    def current(self, name: str, now: datetime) -> LockHolder | None:
        stmt = sa.select(locks).where(locks.c.name == name, locks.c.expires_at >= now)
        with self._engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
        return None if row is None else _holder(row)

    def renew(self, name: str, owner: str, lease_until: datetime) -> bool:
        stmt = (
            sa.update(locks)
            .where(locks.c.name == name, locks.c.owner == owner)
            .values(expires_at=lease_until)
        )
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1

    def release(self, name: str, owner: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(sa.delete(locks).where(locks.c.name == name, locks.c.owner == owner))


def _holder(row: sa.RowMapping) -> LockHolder:
    return LockHolder(
        label=row["label"], owner=row["owner"], holder=row["holder"], expires_at=row["expires_at"]
    )
