"""Tables for saved connections, totals checks and the notification outbox (SQLite and
PostgreSQL), joined to the shared `metadata`; Alembic revision 0003 creates them.

Each table serves one contract (contracts/connections.py, totals.py, notifications.py); the
queries live beside their store classes (sql_connections.py, sql_totals.py,
sql_notifications.py).
"""

from __future__ import annotations

import sqlalchemy as sa

from marketing_etl.storage.sql_schema import UtcDateTime, metadata

connections = sa.Table(
    "connections",
    metadata,
    sa.Column("connection_id", sa.String(64), primary_key=True),
    sa.Column("platform", sa.String(32), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("ciphertext", sa.LargeBinary, nullable=False),  # encrypted token, like job_tokens
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.Text),
    # The last check against the platform; all null until the first one.
    sa.Column("checked_at", UtcDateTime),
    sa.Column("check_ok", sa.Boolean),
    sa.Column("check_message", sa.Text),
    sa.Column("owner_name", sa.Text),
    sa.Column("owner_id", sa.Text),
    sa.Column("scopes", sa.JSON),
    sa.Column("expires_at", UtcDateTime),
    sa.Index("ix_connections_expires", "expires_at"),
)

totals_checks = sa.Table(
    "totals_checks",
    metadata,
    sa.Column("job_id", sa.String(128), primary_key=True),
    sa.Column("checked_at", UtcDateTime, nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("comparisons", sa.JSON, nullable=False),  # amounts as decimal text
    sa.Column("notes", sa.JSON, nullable=False),
    # Counting mismatches in a window reads only the mismatches, whatever the history.
    sa.Index("ix_totals_checks_outcome", "outcome", "checked_at"),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("notification_id", sa.String(128), primary_key=True),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(128), nullable=False),
    sa.Column("job_id", sa.String(128)),
    sa.Column("schedule_id", sa.String(64)),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("attempts", sa.JSON, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime),
    sa.Index("ix_notifications_due", "state", "next_attempt_at"),
    sa.Index("ix_notifications_job", "job_id"),
    sa.Index("ix_notifications_channel", "channel", "created_at"),
)
