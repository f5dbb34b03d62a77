"""Bringing an existing SQL database up to the current schema, additively.

CREATE TABLE IF NOT EXISTS leaves an existing table as it was, so a column added to the schema
after a database was created would be missing there. SqlStore.init adds such columns; only
nullable ones (or ones with a server default) can be added to a table that already has rows.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def add_missing_columns(conn: Connection, tables: Iterable[sa.Table]) -> list[str]:
    """ALTER TABLE ... ADD COLUMN for every column of `tables` the database lacks; returns the
    columns added as "table.column"."""
    added: list[str] = []
    for table in tables:
        existing = _existing_columns(conn, table)
        for column in table.columns:
            if column.name not in existing:
                add_column(conn, table, column)
                added.append(f"{table.name}.{column.name}")
    return added


def add_column(conn: Connection, table: sa.Table, column: sa.Column[object]) -> None:
    """Add one column; a column another process added in the meantime is left as it is."""
    if not column.nullable and column.server_default is None:
        raise RuntimeError(
            f"the database's table {table.name} lacks column {column.name}, which cannot be added "
            "to existing rows (NOT NULL without a default); this is a bug in the schema change"
        )
    sqlite = conn.dialect.name == "sqlite"
    table_name = conn.dialect.identifier_preparer.format_table(table)
    definition = sa.schema.CreateColumn(column).compile(dialect=conn.dialect)
    if_not_exists = "" if sqlite else "IF NOT EXISTS "
    try:
        conn.exec_driver_sql(f"ALTER TABLE {table_name} ADD COLUMN {if_not_exists}{definition}")
    except sa.exc.OperationalError:
        # SQLite knows no IF NOT EXISTS here and init takes no lock on it, so of two processes
        # starting together one may find the column already added by the other.
        if not sqlite or column.name not in _existing_columns(conn, table):
            raise


def _existing_columns(conn: Connection, table: sa.Table) -> set[str]:
    return {column["name"] for column in sa.inspect(conn).get_columns(table.name)}
