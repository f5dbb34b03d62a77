"""Job rollups: the dashboard's job figures per day and for all time, kept by triggers on jobs.

The tables are a frozen copy; the triggers and the fill come from sql_job_rollups.install, which
creates them as this version of the code defines them (a later change to the trigger text is a
later revision that drops and re-installs them). The fill reads every stored job once, inside the
upgrade's transaction, so no job changes between the fill and the triggers.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from marketing_etl.storage.sql_job_rollups import install

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_TIME = sa.DateTime(timezone=True)
# One per duration histogram bound when this revision was written (10 s ... 1 h).
_BUCKETS = [f"le_{i}" for i in range(9)]
_TABLES = ("job_status_rollups", "job_template_rollups", "job_user_rollups")
_EVENTS = ("insert", "update", "delete")


def _counts(*names: str) -> list[sa.Column[int]]:
    return [sa.Column(name, sa.BigInteger, nullable=False) for name in names]


def _key(*group: sa.Column[Any]) -> list[sa.Column[Any]]:
    """The day (or all time: span_s 0 at the epoch), then the group's columns."""
    day: list[sa.Column[Any]] = [
        sa.Column("span_s", sa.Integer, primary_key=True),
        sa.Column("day_start", _TIME, primary_key=True),
    ]
    return [*day, *group]


def _group(name: str, column_type: sa.types.TypeEngine[str]) -> sa.Column[Any]:
    return sa.Column(name, column_type, primary_key=True)


def _task_type() -> sa.Column[Any]:
    return _group("task_type", sa.String(32))


def upgrade() -> None:
    op.create_table(
        "job_status_rollups",
        *_key(_group("status", sa.String(16)), _task_type()),
        *_counts("jobs", "rows_written", "timed", "duration_ms", *_BUCKETS),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "job_template_rollups",
        *_key(_task_type(), _group("template_name", sa.Text())),
        *_counts("jobs"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "job_user_rollups",
        *_key(_task_type(), _group("user_email", sa.Text())),
        *_counts("jobs", "failed"),
        sqlite_with_rowid=False,
    )
    install(op.get_bind())


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for event in _EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS job_rollups_{event}" + ("" if sqlite else " ON jobs"))
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS job_rollups_apply()")
    for table in _TABLES:
        op.drop_table(table)
