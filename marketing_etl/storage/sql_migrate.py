"""Bringing an SQL database to the schema this version expects: Alembic's revisions in
storage/migrations/, run at every start (SqlStore.init) and by `marketing-etl migrate`.

The upgrade runs in one transaction holding a lock every other process's upgrade waits for: on
PostgreSQL an advisory lock, on SQLite the write lock (BEGIN IMMEDIATE, before anything is read).
Processes starting together thus migrate once: the first upgrades and commits, the others then
find the database at head. A failed upgrade rolls back whole (both databases have transactional
DDL), leaving the database as the previous version left it.

Databases from before migrations have tables and no alembic_version. One with the job rollups
(created by a development version between the last release and migrations) is stamped as being at
revision 0002; any other starts from nothing, and the baseline revision fills in what it lacks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection, Engine

from marketing_etl.storage.sql_schema import engine_url

MIGRATIONS = Path(__file__).with_name("migrations")
# Serialises upgrades on PostgreSQL (an API process and workers starting at once).
PG_MIGRATE_LOCK_KEY = 0x6D6B_6574_6C00
# How long a process waits on SQLite for another one's upgrade (a large fill takes a while).
SQLITE_MIGRATE_WAIT_S = 600.0
_ROLLUPS_REVISION = "0002"


@dataclass(frozen=True)
class Revisions:
    before: str | None  # None: a new database, or one from before migrations
    after: str | None


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("the migrations directory holds no revision")
    return head


def current_revision(url: str) -> str | None:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def upgrade(url: str) -> Revisions:
    """Upgrade the database at `url` to the newest revision (nothing to do if it is there)."""
    engine = _engine(url)
    try:
        with _locked(engine) as conn:
            before = MigrationContext.configure(conn).get_current_revision()
            config = alembic_config(conn)
            _refuse_unknown(config, before)
            if before is None and _has_rollups(conn):
                command.stamp(config, _ROLLUPS_REVISION)
            command.upgrade(config, "head")
            after = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    return Revisions(before, after)


def alembic_config(conn: Connection | None = None) -> Config:
    """Alembic's configuration, built in code: the revisions inside the package, run on `conn`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def _refuse_unknown(config: Config, revision: str | None) -> None:
    """A revision this version lacks was written by a newer one, whose schema this one may not
    read or write right: stop rather than run on it."""
    if revision is None:
        return
    try:
        ScriptDirectory.from_config(config).get_revision(revision)
    except CommandError:
        raise RuntimeError(
            f"the database's schema is at revision {revision}, which this version of marketing-etl "
            "does not know: a newer version upgraded it; run that version (or a newer one)"
        ) from None


def _has_rollups(conn: Connection) -> bool:
    return sa.inspect(conn).has_table("job_status_rollups")


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_MIGRATE_LOCK_KEY)))
        yield conn


def _engine(url: str) -> Engine:
    """A short-lived engine of its own: on SQLite the store's engine begins transactions only at
    the first write, after which DDL would run outside one; this one begins each with BEGIN
    IMMEDIATE itself."""
    parsed = engine_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, poolclass=sa.NullPool)
    engine = sa.create_engine(
        parsed,
        poolclass=sa.NullPool,
        connect_args={"isolation_level": None, "timeout": SQLITE_MIGRATE_WAIT_S},
    )
    sa.event.listen(engine, "connect", _sqlite_wal)
    sa.event.listen(engine, "begin", _begin_immediate)
    return engine


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    # The mode the store's engine sets too; a new file gets it before any table exists.
    dbapi_connection.execute("PRAGMA journal_mode = WAL")


def _begin_immediate(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")
