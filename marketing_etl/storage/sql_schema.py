"""Tables, indexes and engine setup for the SQL store (SQLite and PostgreSQL, SQLAlchemy Core).

A change to these tables (or to the other sql_*.py modules' tables) ships with an Alembic
revision making the same change to existing databases (storage/migrations/, run by
sql_migrate.py at start); a test fails while the newest revision and these tables differ.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Dialect, Engine, make_url

from marketing_etl.storage.common import to_utc
from marketing_etl.storage.sqlite_writes import (
    DRIVER_BEGIN,
    QueuedWriterConnection,
    attach_write_queue,
    before_write,
)

# How long a write waits for the lock, both in this process's writer queue and then in SQLite's
# busy handler (other processes). Long enough to ride out a burst; the create-job path retries
# on top of it (sql_busy.py) and answers 503 rather than wait past a client's timeout.
SQLITE_BUSY_TIMEOUT_MS = 10_000
# The local executor runs several jobs (each with a lease heartbeat) plus API threads in one
# process; the pool must cover them without making threads queue for a connection.
POOL_SIZE = 10
POOL_MAX_OVERFLOW = 20


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes on every dialect. SQLite has no time zone type, so UTC is stored
    bare and re-attached on read."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        utc = to_utc(value)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("job_id", sa.String(128), primary_key=True),
    sa.Column("spec", sa.JSON, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("task_type", sa.String(32), nullable=False),
    sa.Column("user_email", sa.Text, nullable=False),
    sa.Column("template_name", sa.Text),
    sa.Column("sheet_name", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("progress", sa.Integer, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("recoveries", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("started_at", UtcDateTime),
    sa.Column("finished_at", UtcDateTime),
    sa.Column("rows_written", sa.BigInteger, nullable=False),
    sa.Column("destination_url", sa.Text),
    sa.Column("cancel_requested", sa.Boolean, nullable=False),
    sa.Column("lease_owner", sa.Text),
    sa.Column("lease_expires_at", UtcDateTime),
    sa.Column("checkpoint", sa.JSON, nullable=False),
    # Added after the first release, so nullable: the baseline revision adds them to an existing
    # table, and a row without queued_at counts as queued since created_at. Not indexed: the queue queries
    # (sql_queue.py, sql_metrics.py) go through ix_jobs_status_created to the QUEUED rows only,
    # and those are few next to the whole history.
    sa.Column("queued_at", UtcDateTime),
    sa.Column("next_resend_at", UtcDateTime),
    # Last log seq handed out for this job; see SqlStore.append_logs.
    sa.Column("log_seq", sa.BigInteger, nullable=False, server_default="0"),
    # The dashboard filters on one column and sorts by creation time, so each filter column
    # leads a composite index with created_at; that index also serves the filter on its own.
    sa.Index("ix_jobs_status_created", "status", "created_at"),
    sa.Index("ix_jobs_task_type_created", "task_type", "created_at"),
    sa.Index("ix_jobs_sheet_name", "sheet_name"),
    sa.Index("ix_jobs_created", "created_at"),
    sa.Index("ix_jobs_lease_expires", "lease_expires_at"),
    # Covering indexes leading with GROUP BY columns, created_at next for the window. The job
    # figures read the rollups (sql_job_rollups.py) but a window's first hours from jobs, by
    # status and type through ix_jobs_stats (sql_job_stats.py). The user and template ones
    # serve those filters with the default sort, as ix_jobs_*_created (user_email / template_name,
    # created_at) did; databases created before keep those too, unused.
    sa.Index(
        "ix_jobs_stats", "status", "task_type", "created_at", "rows_written", "started_at", "finished_at"
    ),
    sa.Index("ix_jobs_user_stats", "user_email", "created_at", "status", "task_type"),
    sa.Index("ix_jobs_template_stats", "template_name", "created_at", "task_type"),
    # Keyset pages of the jobs list sorted by another column than created_at (sql_job_pages.py):
    # rows in (column, job_id) order, read from a position on; created_at lets the time range be
    # checked in the index. Measured at 100,000 jobs: any sort, any page, 3-8 ms instead of up
    # to 600 ms (docs/dashboard-scale.md).
    *(
        sa.Index(f"ix_jobs_{column}_id", column, "job_id", "created_at")
        for column in ("status", "task_type", "user_email", "started_at", "finished_at")
    ),
)

job_logs = sa.Table(
    "job_logs",
    metadata,
    sa.Column("job_id", sa.String(128), sa.ForeignKey("jobs.job_id"), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("ts", UtcDateTime, nullable=False),
    sa.Column("level", sa.Text, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    # Pruning finds the lines past LOG_RETENTION_DAYS through it (storage/sql_prune.py).
    sa.Index("ix_job_logs_ts", "ts"),
)

api_calls = sa.Table(
    "api_calls",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("job_id", sa.String(128), nullable=False),
    sa.Column("ts", UtcDateTime, nullable=False),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("endpoint", sa.Text, nullable=False),
    sa.Column("http_status", sa.Integer),
    sa.Column("duration_ms", sa.Float, nullable=False),
    sa.Column("usage", sa.JSON, nullable=False),
    sa.Column("error", sa.Text),
    sa.Index("ix_api_calls_ts", "ts"),
    sa.Index("ix_api_calls_job_ts", "job_id", "ts"),
)

# No foreign key to jobs: a token may be stored before its job row, and MongoDB has none either.
job_tokens = sa.Table(
    "job_tokens",
    metadata,
    sa.Column("job_id", sa.String(128), primary_key=True),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),
    sa.Column("expires_at", UtcDateTime),
    sa.Index("ix_job_tokens_expires", "expires_at"),
)

# Named leases (contracts/locks.py): one writer per sheet tab across every worker.
locks = sa.Table(
    "locks",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),  # a digest: tab titles are long and free-form
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("owner", sa.Text, nullable=False),
    sa.Column("holder", sa.Text, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
)

# Running totals of maintenance work (rows pruned, by kind), one row per name. Kept in the store
# because every scheduler process prunes, and /metrics is served by another.
maintenance_totals = sa.Table(
    "maintenance_totals",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("total", sa.BigInteger, nullable=False),
)

schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("schedule_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("cron", sa.String(128), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("date_range", sa.String(32), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("job", sa.JSON, nullable=False),
    sa.Column("token", sa.LargeBinary),  # encrypted access token, like job_tokens.ciphertext
    sa.Column("next_run_at", UtcDateTime),
    sa.Column("last_slot_at", UtcDateTime),
    sa.Column("last_job_id", sa.String(128)),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # Added by revision 0003: the schedule's own notification channels, and how many of its
    # firings in a row ended FAILED (the "failed twice in a row" notification reads it).
    sa.Column("notify", sa.JSON),
    sa.Column("failures_in_row", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_schedules_next_run", "enabled", "next_run_at"),
)


def engine_url(url: str) -> URL:
    """postgresql:// means psycopg 3; an explicit driver is kept. Query options (such as the
    search_path the tests use) pass through to the driver."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_engine(url: str) -> Engine:
    parsed = engine_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return sa.create_engine(parsed, pool_size=POOL_SIZE, max_overflow=POOL_MAX_OVERFLOW, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    if url.database in (None, "", ":memory:"):
        raise ValueError(
            "an in-memory SQLite database cannot be shared by the service's threads; "
            "use sqlite:///path/to/file.db"
        )
    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # Writers of this process queue in arrival order and begin with BEGIN IMMEDIATE, instead
    # of racing in SQLite's busy handler, where one can starve (see sqlite_writes.py).
    engine = sa.create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=POOL_MAX_OVERFLOW,
        connect_args={"factory": QueuedWriterConnection, "isolation_level": DRIVER_BEGIN},
    )
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    sa.event.listen(engine, "connect", partial(_join_queue, database=url.database))
    sa.event.listen(engine, "before_cursor_execute", before_write)
    return engine


def _join_queue(dbapi_connection: Any, _record: Any, *, database: str) -> None:
    attach_write_queue(dbapi_connection, database, SQLITE_BUSY_TIMEOUT_MS / 1000)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # busy_timeout first: switching to WAL itself needs a lock another process may hold.
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        # NORMAL is durable across application crashes in WAL mode; only power loss can drop
        # the last commits, which a re-run of the job repairs.
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()
