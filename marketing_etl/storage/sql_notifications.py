"""NotificationStore (contracts/notifications.py) on SQLite and PostgreSQL.

Claiming is one conditional UPDATE on next_attempt_at, so of several delivery loops exactly one
sends each attempt. Recording an attempt reads the attempts and writes them back in one
transaction: only the loop holding the claim records, so nothing else writes that row meanwhile.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from marketing_etl.contracts.notifications import DeliveryAttempt, DeliveryState, Notification
from marketing_etl.storage.common import plain
from marketing_etl.storage.notification_records import (
    COUNTER_PREFIX,
    attempt_record,
    counter_name,
    delivery_totals,
    notification_from_record,
    notification_record,
)
from marketing_etl.storage.sql_report_tables import notifications
from marketing_etl.storage.sql_schema import maintenance_totals

_DONE = (DeliveryState.SENT.value, DeliveryState.FAILED.value)


class SqlNotificationStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def enqueue(self, notification: Notification) -> bool:
        try:
            with self._engine.begin() as conn:
                conn.execute(sa.insert(notifications).values(**notification_record(notification)))
        except IntegrityError:
            return False
        return True

    def due(self, now: datetime, limit: int) -> list[Notification]:
        stmt = (
            sa.select(notifications)
            .where(
                notifications.c.state == DeliveryState.PENDING.value,
                notifications.c.next_attempt_at <= plain(now),
            )
            .order_by(notifications.c.next_attempt_at, notifications.c.notification_id)
            .limit(limit)
        )
        return self._select(stmt)

    def claim(self, notification_id: str, expected_next: datetime, lease_until: datetime) -> bool:
        stmt = (
            sa.update(notifications)
            .where(
                notifications.c.notification_id == notification_id,
                notifications.c.state == DeliveryState.PENDING.value,
                notifications.c.next_attempt_at == plain(expected_next),
            )
            .values(next_attempt_at=plain(lease_until))
        )
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1

    def record_attempt(
        self,
        notification_id: str,
        attempt: DeliveryAttempt,
        state: DeliveryState,
        next_attempt_at: datetime | None,
    ) -> bool:
        key = notifications.c.notification_id == notification_id
        with self._engine.begin() as conn:
            stmt = sa.select(notifications.c.attempts, notifications.c.channel).where(key)
            found = conn.execute(stmt).first()
            if found is None:
                return False
            values = {
                "attempts": [*found.attempts, attempt_record(attempt)],
                "state": state.value,
                "next_attempt_at": plain(next_attempt_at),
            }
            if conn.execute(sa.update(notifications).where(key).values(**values)).rowcount != 1:
                return False
            _count(conn, counter_name(found.channel, state))
            return True

    def delivery_totals(self) -> dict[tuple[str, DeliveryState], int]:
        stmt = sa.select(maintenance_totals.c.name, maintenance_totals.c.total).where(
            maintenance_totals.c.name.startswith(COUNTER_PREFIX)
        )
        with self._engine.connect() as conn:
            return delivery_totals({name: int(total) for name, total in conn.execute(stmt)})

    def for_job(self, job_id: str) -> list[Notification]:
        stmt = (
            sa.select(notifications)
            .where(notifications.c.job_id == job_id)
            .order_by(notifications.c.created_at, notifications.c.notification_id)
        )
        return self._select(stmt)

    def latest_by_channel(self) -> dict[str, Notification]:
        # One probe of ix_notifications_channel per channel, newest first: a GROUP BY over the
        # finished notifications would read the whole history (measured: 58 ms at 100,000 rows).
        with self._engine.connect() as conn:
            newest = [_newest_finished(channel) for channel in _channels(conn)]
            if not newest:
                return {}
            rows = conn.execute(sa.select(notifications).where(notifications.c.notification_id.in_(newest)))
            return {n.channel: n for n in map(notification_from_record, rows.mappings())}

    def delete_for_jobs(self, job_ids: list[str]) -> int:
        if not job_ids:
            return 0
        with self._engine.begin() as conn:
            stmt = sa.delete(notifications).where(notifications.c.job_id.in_(job_ids))
            count: int = conn.execute(stmt).rowcount
        return count

    def _select(self, stmt: sa.Select[tuple[object, ...]]) -> list[Notification]:
        with self._engine.connect() as conn:
            return [notification_from_record(row) for row in conn.execute(stmt).mappings()]


def _count(conn: Connection, name: str) -> None:
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(maintenance_totals).values(name=name, total=1)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[maintenance_totals.c.name],
            set_={"total": maintenance_totals.c.total + 1},
        )
    )


def _newest_finished(channel: str) -> sa.ScalarSelect[str]:
    return (
        sa.select(notifications.c.notification_id)
        .where(notifications.c.channel == channel, notifications.c.state.in_(_DONE))
        .order_by(notifications.c.created_at.desc(), notifications.c.notification_id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _channels(conn: Connection) -> list[str]:
    """Every channel name, by skipping from one to the next along the channel index (neither
    database skips through an index for DISTINCT on its own)."""
    found: list[str] = []
    column = notifications.c.channel
    current = conn.execute(sa.select(sa.func.min(column))).scalar()
    while current is not None:
        found.append(str(current))
        current = conn.execute(sa.select(sa.func.min(column)).where(column > current)).scalar()
    return found
