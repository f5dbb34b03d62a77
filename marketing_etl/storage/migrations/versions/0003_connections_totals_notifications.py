"""Saved connections, totals checks, the notification outbox, and two schedule columns (its own
notification channels and its failures in a row). Frozen copies of the tables as this revision
defines them; a later change to them is a later revision.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("connection_id", sa.String(64), primary_key=True),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("created_by", sa.Text),
        sa.Column("checked_at", _TIME),
        sa.Column("check_ok", sa.Boolean),
        sa.Column("check_message", sa.Text),
        sa.Column("owner_name", sa.Text),
        sa.Column("owner_id", sa.Text),
        sa.Column("scopes", sa.JSON),
        sa.Column("expires_at", _TIME),
    )
    op.create_index("ix_connections_expires", "connections", ["expires_at"])
    op.create_table(
        "totals_checks",
        sa.Column("job_id", sa.String(128), primary_key=True),
        sa.Column("checked_at", _TIME, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("comparisons", sa.JSON, nullable=False),
        sa.Column("notes", sa.JSON, nullable=False),
    )
    op.create_index("ix_totals_checks_outcome", "totals_checks", ["outcome", "checked_at"])
    op.create_table(
        "notifications",
        sa.Column("notification_id", sa.String(128), primary_key=True),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(128), nullable=False),
        sa.Column("job_id", sa.String(128)),
        sa.Column("schedule_id", sa.String(64)),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.JSON, nullable=False),
        sa.Column("next_attempt_at", _TIME),
    )
    op.create_index("ix_notifications_due", "notifications", ["state", "next_attempt_at"])
    op.create_index("ix_notifications_job", "notifications", ["job_id"])
    op.create_index("ix_notifications_channel", "notifications", ["channel", "created_at"])
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("notify", sa.JSON))
        batch.add_column(sa.Column("failures_in_row", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("failures_in_row")
        batch.drop_column("notify")
    op.drop_table("notifications")
    op.drop_table("totals_checks")
    op.drop_table("connections")
