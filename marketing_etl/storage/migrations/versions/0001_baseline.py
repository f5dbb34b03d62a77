"""Baseline: the schema of the last release without migrations (before the job rollups).

Databases of that release and the ones before it have tables but no alembic_version; for them
this revision is what SqlStore.init did then: it creates the tables and indexes they lack and adds
the columns later releases added (all nullable or with a server default). On a new database it
creates everything. The definitions are a frozen copy: later changes are later revisions.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

_TIME = sa.DateTime(timezone=True)


def _jobs(metadata: sa.MetaData) -> sa.Table:
    keyset = ("status", "task_type", "user_email", "started_at", "finished_at")
    return sa.Table(
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
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("started_at", _TIME),
        sa.Column("finished_at", _TIME),
        sa.Column("rows_written", sa.BigInteger, nullable=False),
        sa.Column("destination_url", sa.Text),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("lease_owner", sa.Text),
        sa.Column("lease_expires_at", _TIME),
        sa.Column("checkpoint", sa.JSON, nullable=False),
        sa.Column("queued_at", _TIME),
        sa.Column("next_resend_at", _TIME),
        sa.Column("log_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Index("ix_jobs_status_created", "status", "created_at"),
        sa.Index("ix_jobs_task_type_created", "task_type", "created_at"),
        sa.Index("ix_jobs_sheet_name", "sheet_name"),
        sa.Index("ix_jobs_created", "created_at"),
        sa.Index("ix_jobs_lease_expires", "lease_expires_at"),
        sa.Index(
            "ix_jobs_stats", "status", "task_type", "created_at", "rows_written", "started_at", "finished_at"
        ),
        sa.Index("ix_jobs_user_stats", "user_email", "created_at", "status", "task_type"),
        sa.Index("ix_jobs_template_stats", "template_name", "created_at", "task_type"),
        *(sa.Index(f"ix_jobs_{column}_id", column, "job_id", "created_at") for column in keyset),
    )


def _history(metadata: sa.MetaData) -> None:
    sa.Table(
        "job_logs",
        metadata,
        sa.Column("job_id", sa.String(128), sa.ForeignKey("jobs.job_id"), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("ts", _TIME, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Index("ix_job_logs_ts", "ts"),
    )
    sa.Table(
        "api_calls",
        metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("job_id", sa.String(128), nullable=False),
        sa.Column("ts", _TIME, nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("endpoint", sa.Text, nullable=False),
        sa.Column("http_status", sa.Integer),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("usage", sa.JSON, nullable=False),
        sa.Column("error", sa.Text),
        sa.Index("ix_api_calls_ts", "ts"),
        sa.Index("ix_api_calls_job_ts", "job_id", "ts"),
    )
    sa.Table(
        "job_tokens",
        metadata,
        sa.Column("job_id", sa.String(128), primary_key=True),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("expires_at", _TIME),
        sa.Index("ix_job_tokens_expires", "expires_at"),
    )


def _service(metadata: sa.MetaData) -> None:
    sa.Table(
        "locks",
        metadata,
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
    )
    sa.Table(
        "maintenance_totals",
        metadata,
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("total", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "schedules",
        metadata,
        sa.Column("schedule_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("cron", sa.String(128), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("date_range", sa.String(32), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("job", sa.JSON, nullable=False),
        sa.Column("token", sa.LargeBinary),
        sa.Column("next_run_at", _TIME),
        sa.Column("last_slot_at", _TIME),
        sa.Column("last_job_id", sa.String(128)),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Index("ix_schedules_next_run", "enabled", "next_run_at"),
    )
    sa.Table(
        "fx_rates",
        metadata,
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("base", sa.String(3), primary_key=True),
        sa.Column("quote", sa.String(3), primary_key=True),
        sa.Column("rate", sa.String(64), nullable=False),
        sa.Column("rate_date", sa.Date, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("fetched_at", _TIME, nullable=False),
    )


def _rollups(metadata: sa.MetaData) -> None:
    counts = ("calls", "errors", "safe", "warning", "critical", "unknown")
    sa.Table(
        "api_call_rollups",
        metadata,
        sa.Column("bucket_s", sa.Integer, primary_key=True),
        sa.Column("bucket_start", _TIME, primary_key=True),
        sa.Column("platform", sa.String(32), primary_key=True),
        sa.Column("endpoint", sa.Text, primary_key=True),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in counts[:2]),
        sa.Column("wait_s", sa.Float, nullable=False),
        *(sa.Column(name, sa.BigInteger, nullable=False) for name in counts[2:]),
        sa.Column("max_load_pct", sa.Float),
        sa.Column("max_regain_min", sa.Float),
        sqlite_with_rowid=False,
    )
    sa.Table(
        "rollup_backfill",
        metadata,
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("upto_id", sa.BigInteger, nullable=False),
        sa.Column("done_id", sa.BigInteger, nullable=False),
    )


def baseline() -> sa.MetaData:
    metadata = sa.MetaData()
    _jobs(metadata)
    _history(metadata)
    _service(metadata)
    _rollups(metadata)
    return metadata


def _add_missing_columns(conn: Connection, table: sa.Table) -> None:
    existing = {column["name"] for column in sa.inspect(conn).get_columns(table.name)}
    for column in table.columns:
        if column.name not in existing:
            definition = sa.schema.CreateColumn(column).compile(dialect=conn.dialect)
            conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {definition}")


def upgrade() -> None:
    conn = op.get_bind()
    metadata = baseline()
    for table in metadata.sorted_tables:
        table.create(conn, checkfirst=True)
        # Columns before indexes: an index may cover a column an older database lacks.
        _add_missing_columns(conn, table)
        for index in table.indexes:
            index.create(conn, checkfirst=True)


def downgrade() -> None:
    baseline().drop_all(op.get_bind())
