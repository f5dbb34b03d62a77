"""Pruning (contracts/pruning.py) on SQLite and PostgreSQL.

Neither deletes with a LIMIT (SQLite only when built with an option), so each batch is one
DELETE of the primary keys a LIMITed subquery selects through an index: ix_api_calls_ts and
ix_job_logs_ts for records past their age (oldest first, which keeps PostgreSQL on that index:
without the order, and without statistics, it scanned the table from its start, past every live
row, 1.5 s a batch at 3,000,000 calls), ix_jobs_status_created for expired jobs, and the job_id
indexes for an expired job's own records. The subquery also excludes active jobs' rows (one
primary-key probe of jobs per row), so a job retried while a pass runs keeps its records. The
pruned-row totals are bumped in the same transaction as the delete they count. The plans are
checked by tests/storage/test_prune_plans.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from marketing_etl.contracts.pruning import Deleted, PruneKind
from marketing_etl.models import ACTIVE_STATUSES, FINISHED_STATUSES
from marketing_etl.storage.sql_report_tables import totals_checks
from marketing_etl.storage.sql_schema import api_calls, job_logs, job_tokens, jobs, maintenance_totals

_TOTAL_PREFIX = "pruned_rows."


class SqlPruning:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def single_writer(self) -> bool:
        return self._engine.dialect.name == "sqlite"

    def delete_api_calls_before(self, before: datetime, limit: int) -> int:
        ids = _call_ids(api_calls.c.ts < before, limit, oldest_first=True)
        return self._delete(PruneKind.API_CALLS, sa.delete(api_calls).where(api_calls.c.id.in_(ids)))

    def delete_logs_before(self, before: datetime, limit: int) -> int:
        keys = _log_keys(job_logs.c.ts < before, limit, oldest_first=True)
        return self._delete(PruneKind.LOGS, sa.delete(job_logs).where(_log_key.in_(keys)))

    def expired_job_ids(self, created_before: datetime, limit: int) -> list[str]:
        # No ORDER BY: any expired jobs will do, and sorting would read all of them each time.
        stmt = sa.select(jobs.c.job_id).where(*_expired(created_before)).limit(limit)
        with self._engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def delete_api_calls_of(self, job_ids: Sequence[str], limit: int) -> int:
        ids = _call_ids(api_calls.c.job_id.in_(job_ids), limit)
        return self._delete(PruneKind.API_CALLS, sa.delete(api_calls).where(api_calls.c.id.in_(ids)))

    def delete_logs_of(self, job_ids: Sequence[str], limit: int) -> int:
        keys = _log_keys(job_logs.c.job_id.in_(job_ids), limit)
        return self._delete(PruneKind.LOGS, sa.delete(job_logs).where(_log_key.in_(keys)))

    def delete_jobs(self, job_ids: Sequence[str], created_before: datetime) -> Deleted:
        deleted = Deleted()
        if not job_ids:
            return deleted
        chosen = sa.select(jobs.c.job_id).where(jobs.c.job_id.in_(job_ids), *_expired(created_before))
        with self._engine.begin() as conn:
            if not self.single_writer:
                # Each statement below reads `chosen` afresh; locking the rows keeps a retry from
                # reviving one of these jobs in between (SQLite's write lock already does). In
                # job_id order, as append_logs locks job rows, so the two cannot deadlock.
                conn.execute(chosen.order_by(jobs.c.job_id).with_for_update())
            # Records first: job_logs references jobs. Normally none are left by now.
            calls = conn.execute(sa.delete(api_calls).where(api_calls.c.job_id.in_(chosen))).rowcount
            lines = conn.execute(sa.delete(job_logs).where(job_logs.c.job_id.in_(chosen))).rowcount
            conn.execute(sa.delete(job_tokens).where(job_tokens.c.job_id.in_(chosen)))
            conn.execute(sa.delete(totals_checks).where(totals_checks.c.job_id.in_(chosen)))
            removed = conn.execute(sa.delete(jobs).where(jobs.c.job_id.in_(chosen))).rowcount
            counts = {PruneKind.API_CALLS: calls, PruneKind.LOGS: lines, PruneKind.JOBS: removed}
            for kind, count in counts.items():
                self._add_total(conn, kind, count)
                deleted.add(kind, count)
        return deleted

    def pruned_totals(self) -> dict[PruneKind, int]:
        stmt = sa.select(maintenance_totals.c.name, maintenance_totals.c.total).where(
            maintenance_totals.c.name.startswith(_TOTAL_PREFIX)
        )
        with self._engine.connect() as conn:
            stored = {name.removeprefix(_TOTAL_PREFIX): int(total) for name, total in conn.execute(stmt)}
        return {kind: stored.get(kind.value, 0) for kind in PruneKind}

    def _delete(self, kind: PruneKind, stmt: sa.Delete) -> int:
        with self._engine.begin() as conn:
            count: int = conn.execute(stmt).rowcount
            self._add_total(conn, kind, count)
        return count

    def _add_total(self, conn: Connection, kind: PruneKind, count: int) -> None:
        if count == 0:
            return
        dialect = sqlite if self.single_writer else postgresql
        stmt = dialect.insert(maintenance_totals).values(name=_TOTAL_PREFIX + kind.value, total=count)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[maintenance_totals.c.name],
                set_={"total": maintenance_totals.c.total + stmt.excluded.total},
            )
        )


_log_key = sa.tuple_(job_logs.c.job_id, job_logs.c.seq)


def _not_active(job_id: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    return ~sa.exists().where(jobs.c.job_id == job_id, jobs.c.status.in_(ACTIVE_STATUSES))


def _call_ids(
    where: sa.ColumnElement[bool], limit: int, *, oldest_first: bool = False
) -> sa.Select[tuple[int]]:
    stmt = sa.select(api_calls.c.id).where(where, _not_active(api_calls.c.job_id))
    return (stmt.order_by(api_calls.c.ts) if oldest_first else stmt).limit(limit)


def _log_keys(
    where: sa.ColumnElement[bool], limit: int, *, oldest_first: bool = False
) -> sa.Select[tuple[str, int]]:
    stmt = sa.select(job_logs.c.job_id, job_logs.c.seq).where(where, _not_active(job_logs.c.job_id))
    return (stmt.order_by(job_logs.c.ts) if oldest_first else stmt).limit(limit)


def _expired(created_before: datetime) -> list[sa.ColumnElement[bool]]:
    return [jobs.c.status.in_(FINISHED_STATUSES), jobs.c.created_at < created_before]
