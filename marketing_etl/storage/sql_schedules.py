"""ScheduleStore on SQLite / PostgreSQL: claims are one conditional UPDATE each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from marketing_etl.contracts.schedules import DEFINITION_FIELDS
from marketing_etl.schedules.model import Schedule
from marketing_etl.storage.common import plain
from marketing_etl.storage.sql_schema import schedules


class SqlScheduleStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def insert(self, schedule: Schedule, token: bytes | None) -> bool:
        record = {name: plain(value) for name, value in schedule.model_dump().items()}
        try:
            with self._engine.begin() as conn:
                conn.execute(sa.insert(schedules).values(**record, token=token))
        except IntegrityError:
            return False
        return True

    def get(self, schedule_id: str) -> Schedule | None:
        found = self._select(schedules.c.schedule_id == schedule_id)
        return found[0] if found else None

    def all(self) -> list[Schedule]:
        return self._select(sa.true())

    def token(self, schedule_id: str) -> bytes | None:
        stmt = sa.select(schedules.c.token).where(schedules.c.schedule_id == schedule_id)
        with self._engine.connect() as conn:
            token: bytes | None = conn.execute(stmt).scalar_one_or_none()
        return token

    def update(self, schedule_id: str, token: bytes | None, now: datetime, **fields: Any) -> bool:
        unknown = set(fields) - DEFINITION_FIELDS
        if unknown:
            raise ValueError(f"schedule fields cannot be changed: {', '.join(sorted(unknown))}")
        values = {name: plain(value) for name, value in fields.items()}
        values["updated_at"] = now
        if token is not None:
            values["token"] = token
        stmt = sa.update(schedules).where(schedules.c.schedule_id == schedule_id).values(**values)
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1

    def delete(self, schedule_id: str) -> bool:
        with self._engine.begin() as conn:
            stmt = sa.delete(schedules).where(schedules.c.schedule_id == schedule_id)
            return conn.execute(stmt).rowcount == 1

    def due(self, now: datetime) -> list[Schedule]:
        return self._select(schedules.c.enabled.is_(True), schedules.c.next_run_at <= now)

    def pending(self) -> list[Schedule]:
        return self._select(
            schedules.c.last_slot_at.is_not(None),
            schedules.c.last_job_id.is_(None),
            schedules.c.last_error.is_(None),
        )

    def claim(self, schedule_id: str, expected_next: datetime, slot: datetime, next_run_at: datetime) -> bool:
        stmt = (
            sa.update(schedules)
            .where(
                schedules.c.schedule_id == schedule_id,
                schedules.c.enabled.is_(True),
                schedules.c.next_run_at == plain(expected_next),
            )
            .values(next_run_at=next_run_at, last_slot_at=slot, last_job_id=None, last_error=None)
        )
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1

    def record_firing(self, schedule_id: str, slot: datetime, job_id: str | None, error: str | None) -> bool:
        stmt = (
            sa.update(schedules)
            .where(schedules.c.schedule_id == schedule_id, schedules.c.last_slot_at == plain(slot))
            .values(last_job_id=job_id, last_error=error)
        )
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1

    def record_outcome(self, schedule_id: str, *, failed: bool) -> int | None:
        count = schedules.c.failures_in_row + 1 if failed else sa.literal(0)
        stmt = (
            sa.update(schedules)
            .where(schedules.c.schedule_id == schedule_id)
            .values(failures_in_row=count)
            .returning(schedules.c.failures_in_row)
        )
        with self._engine.begin() as conn:
            failures: int | None = conn.execute(stmt).scalar_one_or_none()
        return failures

    def _select(self, *where: sa.ColumnElement[bool]) -> list[Schedule]:
        stmt = sa.select(schedules).where(*where).order_by(schedules.c.name, schedules.c.schedule_id)
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [Schedule.model_validate({k: v for k, v in row.items() if k != "token"}) for row in rows]
