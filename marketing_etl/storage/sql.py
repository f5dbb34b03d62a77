"""The Store on SQLite (the default) or PostgreSQL, through SQLAlchemy Core.

Every state change two processes may race on is one conditional UPDATE, so the database itself
decides the winner; no method reads a row and then writes it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

# Joins its tables to the shared metadata (connections, totals checks, notifications).
import marketing_etl.storage.sql_report_tables  # noqa: F401
from marketing_etl.models import ApiCall, Job, JobFilter, JobStatus, LogLine
from marketing_etl.storage.common import (
    check_group_field,
    check_page,
    first_log_lines,
    job_from_record,
    job_record,
    mutable_fields,
    plain,
)
from marketing_etl.storage.sql_busy import BUSY_BUDGET_S, retry_while_busy
from marketing_etl.storage.sql_ciphertexts import SqlCiphertexts
from marketing_etl.storage.sql_connections import SqlConnectionStore
from marketing_etl.storage.sql_fx_rates import SqlRateCache
from marketing_etl.storage.sql_job_filter import job_conditions as _job_conditions
from marketing_etl.storage.sql_job_filter import order_by as _order_by
from marketing_etl.storage.sql_job_pages import SqlJobPages
from marketing_etl.storage.sql_job_stats import SqlJobStats
from marketing_etl.storage.sql_locks import SqlLocks
from marketing_etl.storage.sql_metrics import SqlMetrics
from marketing_etl.storage.sql_migrate import upgrade
from marketing_etl.storage.sql_notifications import SqlNotificationStore
from marketing_etl.storage.sql_prune import SqlPruning
from marketing_etl.storage.sql_queue import SqlQueue
from marketing_etl.storage.sql_rollups import SqlRollups
from marketing_etl.storage.sql_schedules import SqlScheduleStore
from marketing_etl.storage.sql_schema import api_calls, create_engine, job_logs, job_tokens, jobs
from marketing_etl.storage.sql_totals import SqlTotalsCheckStore


class SqlStore:
    def __init__(self, url: str, *, busy_budget_s: float = BUSY_BUDGET_S) -> None:
        self._url = url
        self._engine = create_engine(url)
        self._busy_budget_s = busy_budget_s
        self.schedules = SqlScheduleStore(self._engine)
        self.metrics = SqlMetrics(self._engine)
        self.job_stats = SqlJobStats(self._engine)
        self.job_pages = SqlJobPages(self._engine)
        self.fx_rates = SqlRateCache(self._engine)
        self.locks = SqlLocks(self._engine)
        self.queue = SqlQueue(self._engine)
        self.rollups = SqlRollups(self._engine)
        self.pruning = SqlPruning(self._engine)
        self.ciphertexts = SqlCiphertexts(self._engine)
        self.notifications = SqlNotificationStore(self._engine)
        self.connections = SqlConnectionStore(self._engine)
        self.totals_checks = SqlTotalsCheckStore(self._engine)

    # lifecycle -----------------------------------------------------------------------------
    def init(self) -> None:
        upgrade(self._url)
        self.rollups.init()

    def close(self) -> None:
        self._engine.dispose()

    def ping(self) -> None:
        with self._engine.connect() as conn:
            conn.execute(sa.select(1))

    # jobs ----------------------------------------------------------------------------------
    def insert_job(self, job: Job, token: bytes | None = None, logs: Sequence[LogLine] = ()) -> bool:
        lines = first_log_lines(job, logs)
        if self._engine.dialect.name != "sqlite":
            return self._insert_job(job, token, lines)
        # One transaction per try, so a try that found the database locked left nothing.
        return retry_while_busy(lambda: self._insert_job(job, token, lines), self._busy_budget_s)

    def _insert_job(self, job: Job, token: bytes | None, lines: list[LogLine]) -> bool:
        try:
            with self._engine.begin() as conn:
                conn.execute(sa.insert(jobs).values(**job_record(job), log_seq=len(lines)))
                if token is not None:
                    conn.execute(self._upsert_token(job.job_id, token, None))
                if lines:
                    conn.execute(sa.insert(job_logs), [line.model_dump() for line in lines])
        except IntegrityError:
            return False
        return True

    def get_job(self, job_id: str) -> Job | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(jobs).where(jobs.c.job_id == job_id)).mappings().first()
        return None if row is None else job_from_record(row)

    def update_job(self, job_id: str, **fields: Any) -> None:
        values = mutable_fields(fields)
        if values:
            with self._engine.begin() as conn:
                conn.execute(sa.update(jobs).where(jobs.c.job_id == job_id).values(**values))

    def transition(
        self, job_id: str, expected: Iterable[JobStatus], *, owner: str | None = None, **fields: Any
    ) -> bool:
        values = mutable_fields(fields)
        if not values:
            raise ValueError("transition needs at least one field to set")
        statuses = [plain(status) for status in expected]
        stmt = sa.update(jobs).where(jobs.c.job_id == job_id, jobs.c.status.in_(statuses))
        if owner is not None:
            stmt = stmt.where(jobs.c.lease_owner == owner)
        with self._engine.begin() as conn:
            return conn.execute(stmt.values(**values)).rowcount == 1

    def claim(self, job_id: str, owner: str, lease_until: datetime, now: datetime) -> Job | None:
        stmt = (
            sa.update(jobs)
            .where(jobs.c.job_id == job_id, jobs.c.status == JobStatus.QUEUED.value)
            .values(
                status=JobStatus.RUNNING.value,
                lease_owner=owner,
                lease_expires_at=lease_until,
                started_at=now,
            )
            .returning(*jobs.c)
        )
        with self._engine.begin() as conn:
            row = conn.execute(stmt).mappings().first()
        return None if row is None else job_from_record(row)

    def renew_lease(self, job_id: str, owner: str, lease_until: datetime) -> bool:
        stmt = (
            sa.update(jobs)
            .where(
                jobs.c.job_id == job_id,
                jobs.c.lease_owner == owner,
                jobs.c.status == JobStatus.RUNNING.value,
            )
            .values(lease_expires_at=lease_until)
        )
        with self._engine.begin() as conn:
            return conn.execute(stmt).rowcount == 1

    def queued_job_ids(self, limit: int) -> list[str]:
        stmt = (
            sa.select(jobs.c.job_id)
            .where(jobs.c.status == JobStatus.QUEUED.value)
            .order_by(jobs.c.created_at, jobs.c.job_id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def expired_leases(self, now: datetime) -> list[Job]:
        stmt = (
            sa.select(jobs)
            .where(jobs.c.status == JobStatus.RUNNING.value, jobs.c.lease_expires_at < now)
            .order_by(jobs.c.lease_expires_at, jobs.c.job_id)
        )
        with self._engine.connect() as conn:
            return [job_from_record(row) for row in conn.execute(stmt).mappings()]

    def list_jobs(
        self, flt: JobFilter, offset: int, limit: int, sort: str = "-created_at"
    ) -> tuple[list[Job], int]:
        check_page(offset, limit)
        where = _job_conditions(flt)
        page = sa.select(jobs).where(*where).order_by(*_order_by(sort)).offset(offset).limit(limit)
        with self._engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(jobs).where(*where)).scalar_one()
            rows = conn.execute(page).mappings().all()
        return [job_from_record(row) for row in rows], total

    def count_jobs_by(self, flt: JobFilter, field: str) -> dict[str, int]:
        check_group_field(field)
        column = jobs.c[field]
        stmt = sa.select(column, sa.func.count()).where(*_job_conditions(flt)).group_by(column)
        with self._engine.connect() as conn:
            return {key: count for key, count in conn.execute(stmt)}

    # logs ----------------------------------------------------------------------------------
    def append_logs(self, lines: Sequence[LogLine]) -> None:
        """Each job row carries the last seq it handed out. Bumping it with an UPDATE locks the
        row until commit, so a concurrent appender to the same job waits, then continues after
        our range, and its lines become visible only after ours: a reader tailing with
        `after_seq` never skips a line. (max(seq)+1 with retries would allow exactly that.)"""
        by_job: dict[str, list[LogLine]] = {}
        for line in lines:
            by_job.setdefault(line.job_id, []).append(line)
        with self._engine.begin() as conn:
            # A fixed order of job rows, so two multi-job batches cannot deadlock.
            for job_id in sorted(by_job):
                batch = by_job[job_id]
                last = conn.execute(
                    sa.update(jobs)
                    .where(jobs.c.job_id == job_id)
                    .values(log_seq=jobs.c.log_seq + len(batch))
                    .returning(jobs.c.log_seq)
                ).scalar_one_or_none()
                if last is None:
                    raise KeyError(f"cannot log for job '{job_id}': no such job")
                first = last - len(batch) + 1
                rows = [{**line.model_dump(), "seq": first + i} for i, line in enumerate(batch)]
                conn.execute(sa.insert(job_logs), rows)

    def get_logs(self, job_id: str, after_seq: int = 0, limit: int | None = None) -> list[LogLine]:
        stmt = (
            sa.select(job_logs)
            .where(job_logs.c.job_id == job_id, job_logs.c.seq > after_seq)
            .order_by(job_logs.c.seq)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [LogLine.model_validate(row) for row in conn.execute(stmt).mappings()]

    # API calls -----------------------------------------------------------------------------
    def record_api_calls(self, calls: Sequence[ApiCall]) -> None:
        if calls:
            with self._engine.begin() as conn:
                conn.execute(sa.insert(api_calls), [call.model_dump() for call in calls])
                self.rollups.add(conn, calls)

    def get_api_calls(self, job_id: str) -> list[ApiCall]:
        stmt = (
            sa.select(api_calls)
            .where(api_calls.c.job_id == job_id)
            .order_by(api_calls.c.ts, api_calls.c.id)
        )
        with self._engine.connect() as conn:
            return [ApiCall.model_validate(row) for row in conn.execute(stmt).mappings()]

    # tokens --------------------------------------------------------------------------------
    def put_token(self, job_id: str, ciphertext: bytes, expires_at: datetime | None) -> None:
        with self._engine.begin() as conn:
            conn.execute(self._upsert_token(job_id, ciphertext, expires_at))

    def _upsert_token(self, job_id: str, ciphertext: bytes, expires_at: datetime | None) -> sa.Insert:
        dialect = sqlite if self._engine.dialect.name == "sqlite" else postgresql
        stmt = dialect.insert(job_tokens).values(job_id=job_id, ciphertext=ciphertext, expires_at=expires_at)
        upsert: sa.Insert = stmt.on_conflict_do_update(
            index_elements=[job_tokens.c.job_id],
            set_={"ciphertext": stmt.excluded.ciphertext, "expires_at": stmt.excluded.expires_at},
        )
        return upsert

    def get_token(self, job_id: str, now: datetime) -> bytes | None:
        stmt = sa.select(job_tokens.c.ciphertext).where(
            job_tokens.c.job_id == job_id,
            sa.or_(job_tokens.c.expires_at.is_(None), job_tokens.c.expires_at >= now),
        )
        with self._engine.connect() as conn:
            ciphertext: bytes | None = conn.execute(stmt).scalar_one_or_none()
        return ciphertext

    def set_token_expiry(self, job_id: str, expires_at: datetime | None) -> None:
        stmt = sa.update(job_tokens).where(job_tokens.c.job_id == job_id).values(expires_at=expires_at)
        with self._engine.begin() as conn:
            conn.execute(stmt)

    def delete_token(self, job_id: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(sa.delete(job_tokens).where(job_tokens.c.job_id == job_id))

    def purge_expired_tokens(self, now: datetime) -> int:
        with self._engine.begin() as conn:
            return conn.execute(sa.delete(job_tokens).where(job_tokens.c.expires_at < now)).rowcount
