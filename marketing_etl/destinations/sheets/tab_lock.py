"""One writer per tab: a lease in the job store that every job writing to a (spreadsheet, tab)
takes before it reads where to write and keeps until its last row is in.

Without it two jobs appending to one tab both read the same last filled row and write over each
other's rows. The lease lives in the store that all workers share (threads, processes, Celery
workers on other machines); a renewal thread keeps it while the job writes, so a job stalled or
killed mid-write frees the tab after one lease (JOB_LEASE_S) and the next job takes it over.
Jobs writing to other tabs never wait.
"""

from __future__ import annotations

import hashlib
import logging
import random
import threading
import uuid
from datetime import timedelta
from types import TracebackType

from marketing_etl.context import JobContext
from marketing_etl.errors import TransientError
from marketing_etl.models import utcnow

log = logging.getLogger(__name__)

FIRST_POLL_S = 0.2
MAX_POLL_S = 2.0


def lock_name(spreadsheet_id: str, title: str) -> str:
    # Sheets treats tab titles case-insensitively ("Shared" and "shared" are one tab).
    return hashlib.sha256(f"sheets-tab\n{spreadsheet_id}\n{title.casefold()}".encode()).hexdigest()


class TabLock:
    """`with TabLock(ctx, spreadsheet_id, title):` waits for the tab, then holds it."""

    def __init__(
        self, ctx: JobContext, spreadsheet_id: str, title: str, *,
        first_poll_s: float = FIRST_POLL_S, rng: random.Random | None = None,
    ) -> None:
        self._ctx = ctx
        self._title = title
        self._name = lock_name(spreadsheet_id, title)
        self._label = f"{spreadsheet_id}/{title}"
        self._owner = f"{ctx.job_id}#{ctx.attempt}#{uuid.uuid4().hex}"
        self._lease_s = ctx.settings.job_lease_s
        self._first_poll_s = first_poll_s
        self._rng = rng or random.Random()
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._renewer = threading.Thread(target=self._renew_loop, name=f"tab-lock-{ctx.job_id}", daemon=True)

    def __enter__(self) -> TabLock:
        self._wait_and_take()
        self._renewer.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._renewer.join(timeout=5)
        try:
            self._ctx.locks.release(self._name, self._owner)
        except Exception:  # the lease then simply expires; the job's own outcome matters more
            log.exception("could not release the lease on tab %s", self._label)

    def check(self) -> None:
        """Raise before a write if the lease was lost (this job stalled past it and another
        took the tab): writing on could overwrite that job's rows."""
        if self._lost.is_set():
            raise TransientError(
                f"This job stopped responding long enough that another job took over writing to "
                f"tab '{self._title}'; it stopped writing so as not to overwrite that job's rows."
            )

    def _wait_and_take(self) -> None:
        locks = self._ctx.locks
        waiting_for: str | None = None
        pause_s = self._first_poll_s
        while True:
            now = utcnow()
            # Reading first: on SQLite a failed attempt to take it would still queue as a write.
            holder = locks.current(self._name, now)
            if holder is None:
                until = now + timedelta(seconds=self._lease_s)
                holder = locks.acquire(
                    self._name, label=self._label, owner=self._owner, holder=self._ctx.job_id,
                    lease_until=until, now=now,
                )
                if holder is None:
                    if waiting_for is not None:
                        self._ctx.log(f"Tab '{self._title}' is free now; writing to it.")
                    return
            if holder.holder != waiting_for:
                waiting_for = holder.holder
                self._ctx.progress(
                    None, f"Waiting for job {waiting_for} to finish writing tab '{self._title}'"
                )
            # Jittered, so the jobs waiting for one tab do not all ask at the same moment.
            self._ctx.wait(pause_s * (0.5 + self._rng.random()))
            pause_s = min(MAX_POLL_S, pause_s * 1.5)

    def _renew_loop(self) -> None:
        interval_s = max(0.5, self._lease_s / 3)
        while not self._stop.wait(interval_s):
            until = utcnow() + timedelta(seconds=self._lease_s)
            try:
                if not self._ctx.locks.renew(self._name, self._owner, until):
                    self._lost.set()
                    return
            except Exception:  # a brief store outage: the lease outlasts a missed renewal
                log.exception("could not renew the lease on tab %s", self._label)
