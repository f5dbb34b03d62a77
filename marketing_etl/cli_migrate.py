"""`marketing-etl migrate`: bring the job store's schema to this version's as a step of its own.

Every process does the same when it starts (storage/sql_migrate.py, MongoStore.init); the
command is for operators who would rather upgrade the database before starting the new version,
and, with --check, for a deployment step that must know whether the database is up to date.
"""

from __future__ import annotations

import argparse
import sys
from typing import TypeAlias

from marketing_etl.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_BEHIND = 0, 1, 3
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_migrate_command(sub: Subparsers) -> None:
    text = "upgrade the job store's schema to this version's (every start does it too)"
    migrate = sub.add_parser(
        "migrate",
        help=text,
        description=f"{text}; prints the schema revision before and after",
        epilog="exit status: 0 done (with --check: up to date), 1 failed, 3 (--check) not up to date",
    )
    migrate.add_argument(
        "--check",
        action="store_true",
        help="change nothing: print the revision, exit 3 unless it is the newest",
    )
    migrate.set_defaults(command=_migrate)


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    url = settings.resolved_database_url
    try:
        if url.split(":", 1)[0].split("+", 1)[0].lower() == "mongodb":
            return _mongo(url, settings.mongo_database, check=args.check)
        return _sql(url, check=args.check)
    except Exception as exc:  # any driver's error: the reason, not a traceback
        print(f"marketing-etl migrate: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _sql(url: str, *, check: bool) -> int:
    # Alembic is loaded only by the commands that touch an SQL store.
    from marketing_etl.storage.sql import SqlStore
    from marketing_etl.storage.sql_migrate import current_revision, head_revision

    head = head_revision()
    if check:
        current = current_revision(url)
        print(f"schema revision: {current or 'none'} (newest: {head})")
        return EXIT_OK if current == head else EXIT_BEHIND
    before = current_revision(url)
    store = SqlStore(url)
    try:
        store.init()  # what a start does after the upgrade too: rolls up older API calls
    finally:
        store.close()
    after = current_revision(url)
    if before == after:
        print(f"schema revision: {after} (the newest); nothing to do")
    else:
        print(f"schema revision: {before or 'none'} -> {after} (the newest)")
    return EXIT_OK


def _mongo(url: str, database: str, *, check: bool) -> int:
    from marketing_etl.storage.mongo import MongoStore
    from marketing_etl.storage.mongo_client import connect
    from marketing_etl.storage.mongo_schema import SCHEMA_VERSION

    store = MongoStore(connect(url), database=database)
    try:
        before = store.schema_version()
        if check:
            print(f"schema version: {before or 'none'} (newest: {SCHEMA_VERSION})")
            return EXIT_OK if before == SCHEMA_VERSION else EXIT_BEHIND
        store.init()
        print(f"schema version: {before or 'none'} -> {store.schema_version()} (indexes in place)")
    finally:
        store.close()
    return EXIT_OK
