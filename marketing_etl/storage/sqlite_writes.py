"""One first-come-first-served queue for the writers of a SQLite file within this process.

SQLite lets one connection write at a time. The others wait in its busy handler, which polls
with growing sleeps (100 ms apart after the first quarter second) and serves nobody in order.
Under the steady stream of short writes one `serve` process makes (job progress and log lines,
API-call records, lease renewals, claims, create-job requests), a waiter that has backed off
keeps missing the instants the lock is free while newcomers take it, and can starve until the
busy timeout: "database is locked" after 10 s, with the lock never held long by anyone.

So a connection about to write first joins its file's queue here, and only then lets the
driver begin the transaction, as BEGIN IMMEDIATE (the `isolation_level` the driver is given):
the write lock is taken at the start, so the transaction never has to upgrade a read snapshot
another writer has made stale. The queue is left when the transaction commits or rolls back.
SQLite's busy handler is then left to arbitrate only between processes (a CLI command, a
second server), which is rare. Readers never queue: in WAL mode they read while one writes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import deque
from typing import Any

# The driver begins a transaction before these statements only (pysqlite's legacy rule, which
# the engine keeps); everything else runs outside one and never needs the write lock's queue.
_WRITE_VERBS = ("insert", "update", "delete", "replace")
DRIVER_BEGIN = "IMMEDIATE"


class FairLock:
    """A lock handed to its waiters in arrival order; acquire() gives up after `timeout_s`."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout_s: float) -> bool:
        with self._mutex:
            if not self._held and not self._waiters:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=timeout_s):
            return True  # release() handed the lock over, still marked held
        with self._mutex:
            if turn in self._waiters:
                self._waiters.remove(turn)
                return False
        # Handed over between the timeout and taking the mutex: it is ours now.
        return True

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False


_queues: dict[str, FairLock] = {}
_queues_lock = threading.Lock()


def queue_for(database: str) -> FairLock:
    """The one queue of this process for a database file, however many engines open it."""
    key = os.path.realpath(database)
    with _queues_lock:
        return _queues.setdefault(key, FairLock())


class QueuedWriterConnection(sqlite3.Connection):
    """A driver connection that leaves its file's write queue when its transaction ends."""

    write_queue: FairLock | None = None
    queue_timeout_s = 0.0
    _queued = False

    def join_write_queue(self) -> None:
        if self._queued or self.write_queue is None:
            return
        if not self.write_queue.acquire(self.queue_timeout_s):
            raise sqlite3.OperationalError(
                f"database is locked: this process's other writers held it for over "
                f"{self.queue_timeout_s:.0f} s"
            )
        self._queued = True

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._leave_unless_in_transaction()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._leave_unless_in_transaction()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._leave()

    def _leave_unless_in_transaction(self) -> None:
        # A failed COMMIT can leave the transaction open; the queue is left at its rollback.
        if not self.in_transaction:
            self._leave()

    def _leave(self) -> None:
        if self._queued and self.write_queue is not None:
            self._queued = False
            self.write_queue.release()


def attach_write_queue(dbapi_connection: Any, database: str, timeout_s: float) -> None:
    """On connect: give the driver connection its file's queue and how long to wait in it."""
    if isinstance(dbapi_connection, QueuedWriterConnection):
        dbapi_connection.write_queue = queue_for(database)
        dbapi_connection.queue_timeout_s = timeout_s


def before_write(
    _conn: Any, cursor: Any, statement: str, _parameters: Any, _context: Any, _executemany: bool
) -> None:
    """Join the queue before the statement that makes the driver begin a write transaction."""
    dbapi_connection = cursor.connection
    if (
        isinstance(dbapi_connection, QueuedWriterConnection)
        and dbapi_connection.isolation_level is not None
        and not dbapi_connection.in_transaction
        and statement.lstrip()[:7].lower().startswith(_WRITE_VERBS)
    ):
        dbapi_connection.join_write_queue()
