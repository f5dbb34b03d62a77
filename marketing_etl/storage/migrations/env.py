"""Alembic's environment: runs the revisions on the connection sql_migrate.py hands over, inside
the transaction it opened under its lock, so the whole upgrade commits or rolls back as one."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection


def run() -> None:
    connection: Connection = context.config.attributes["connection"]
    context.configure(connection=connection)
    with context.begin_transaction():  # joins the caller's transaction
        context.run_migrations()


run()
