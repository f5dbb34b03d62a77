"""JobContext: everything a source, transform or destination may touch while a job runs.

Progress, the job's own log, API-call records, the cancel check and the checkpoint all go
through here, so plugins never see the store or the executor. Log records emitted with the
standard `logging` module under the `marketing_etl` logger while a job runs land in that job's
log (routed by a context variable, so parallel jobs in one process never mix their lines).
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol

from marketing_etl.contracts.fx_rates import RateCache
from marketing_etl.contracts.locks import Locks
from marketing_etl.contracts.store import Store
from marketing_etl.contracts.totals import TotalsCheckStore
from marketing_etl.errors import FatalError, JobCancelled
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import ApiCall, Job, LogLine, utcnow
from marketing_etl.settings import Settings
from marketing_etl.tokens import Redactor

_current: contextvars.ContextVar[JobContext | None] = contextvars.ContextVar(
    "marketing_etl_job", default=None
)
CANCEL_POLL_INTERVAL_S = 0.25


class StopSignal(Protocol):
    """Set when the worker running the job is shutting down (a threading.Event in the local
    pool, a multiprocessing.Event shared by a Celery worker's pool processes)."""

    def is_set(self) -> bool: ...


class WorkerStopping(Exception):
    """Raised at a cancel check when the worker is stopping: the runner hands the job back to
    the queue, checkpoint kept, instead of letting the shutdown kill it mid-way."""


class JobContext:
    def __init__(
        self,
        *,
        job: Job,
        store: Store,
        settings: Settings,
        access_token: str | None,
        deadline: float | None = None,
        stopping: StopSignal | None = None,
        missing_token: str | None = None,  # why there is no token, when it is known
    ) -> None:
        self.job_id = job.job_id
        self.spec: JobSpec = job.spec
        self.attempt = job.attempt
        self.settings = settings
        self._store = store
        self._token = access_token
        self._missing_token = missing_token
        self.redact = Redactor(access_token)
        self._checkpoint: dict[str, Any] = dict(job.checkpoint)
        self.rows_written = job.rows_written
        self._deadline = deadline
        self._stopping = stopping
        self._lease_lost = threading.Event()
        self._last_cancel_poll = 0.0
        self._cancelled = False
        self._lock = threading.Lock()
        self.warnings: list[str] = []

    @property
    def access_token(self) -> str:
        if not self._token:
            raise FatalError(
                self._missing_token or "This job has no access token; retry it with a new access_token."
            )
        return self._token

    @property
    def fx_rates(self) -> RateCache:
        """The exchange-rate cache every job shares (currency conversion)."""
        return self._store.fx_rates

    @property
    def locks(self) -> Locks:
        """Leases shared by every worker (e.g. the one writer of a sheet tab)."""
        return self._store.locks

    @property
    def totals_checks(self) -> TotalsCheckStore:
        """Where the job's totals check is kept (transforms/totals_check.py)."""
        return self._store.totals_checks

    # progress and log -------------------------------------------------------------------
    def progress(self, percent: int | None, message: str) -> None:
        """Percent None keeps the current percentage (e.g. a throttling wait message)."""
        fields: dict[str, Any] = {"message": self.redact(message)}
        if percent is not None:
            fields["progress"] = max(0, min(100, int(percent)))
        self._store.update_job(self.job_id, **fields)
        self.log(message)

    def log(self, message: str, level: str = "INFO") -> None:
        line = LogLine(
            job_id=self.job_id, level=level, attempt=self.attempt, message=self.redact(message)
        )
        with self._lock:
            self._store.append_logs([line])

    def warn(self, message: str) -> None:
        """Something the user must know although the job goes on (e.g. a skipped account): it is
        logged, shown as the current message, and repeated in the job's final message."""
        with self._lock:
            self.warnings.append(self.redact(message))
        self.log(message, "WARNING")
        self.progress(None, message)

    def record_api_call(self, call: ApiCall) -> None:
        # Records are shown on the dashboard: whatever a client put in them is masked first.
        update: dict[str, Any] = {
            "job_id": self.job_id,
            "endpoint": self.redact(call.endpoint),
            "usage": {key: self._redact_value(value) for key, value in call.usage.items()},
        }
        if call.error:
            update["error"] = self.redact(call.error)
        self._store.record_api_calls([call.model_copy(update=update)])

    def _redact_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {key: self._redact_value(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._redact_value(item) for item in value]
        return value

    def add_rows_written(self, count: int) -> None:
        self.rows_written += count
        self._store.update_job(self.job_id, rows_written=self.rows_written)

    # checkpoint: what a destination already wrote, kept across retries --------------------
    @property
    def checkpoint(self) -> dict[str, Any]:
        return dict(self._checkpoint)

    def save_checkpoint(self, **values: Any) -> None:
        self._checkpoint.update(values)
        self._store.update_job(self.job_id, checkpoint=self._checkpoint)

    # cancellation --------------------------------------------------------------------------
    def check_cancel(self, *, force: bool = False) -> None:
        """Raise JobCancelled if the user asked to stop (WorkerStopping if the worker is). Cheap
        to call in tight loops: the store is asked at most every CANCEL_POLL_INTERVAL_S."""
        if self._cancelled:
            raise JobCancelled()
        if self._lease_lost.is_set():
            raise FatalError(
                "This worker lost its claim on the job (it was unresponsive too long); "
                "another attempt has taken over."
            )
        if self._stopping is not None and self._stopping.is_set():
            raise WorkerStopping()
        if self._deadline is not None and time.monotonic() > self._deadline:
            limit = _human_duration(self.settings.job_soft_time_limit_s)
            raise FatalError(
                f"The job ran longer than its {limit} time limit. "
                "Split the date range or the accounts into smaller jobs."
            )
        now = time.monotonic()
        if not force and now - self._last_cancel_poll < CANCEL_POLL_INTERVAL_S:
            return
        self._last_cancel_poll = now
        job = self._store.get_job(self.job_id)
        if job is not None and job.cancel_requested:
            self._cancelled = True
            raise JobCancelled()

    def wait(self, seconds: float) -> None:
        """Sleep (e.g. a rate-limit backoff) while staying responsive to cancel."""
        end = time.monotonic() + seconds
        while True:
            self.check_cancel(force=True)
            remaining = end - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(CANCEL_POLL_INTERVAL_S, remaining))

    def mark_lease_lost(self) -> None:
        self._lease_lost.set()

    def now(self) -> datetime:
        return utcnow()


def _human_duration(seconds: int) -> str:
    if seconds % 60 == 0 and seconds >= 120:
        return f"{seconds // 60}-minute"
    return f"{seconds}-second"


@contextmanager
def activate(ctx: JobContext) -> Iterator[None]:
    """Route `marketing_etl.*` log records emitted in this context to the job's log."""
    token = _current.set(ctx)
    try:
        yield
    finally:
        _current.reset(token)


def current_job() -> JobContext | None:
    return _current.get()


class JobLogHandler(logging.Handler):
    """Installed once on the `marketing_etl` logger; forwards records to the running job."""

    def emit(self, record: logging.LogRecord) -> None:
        ctx = _current.get()
        if ctx is None:
            return
        try:
            ctx.log(record.getMessage(), record.levelname)
        except Exception:  # a failing log write must never fail the job
            self.handleError(record)


_handler_lock = threading.Lock()


def install_job_log_handler() -> None:
    logger = logging.getLogger("marketing_etl")
    with _handler_lock:
        if not any(isinstance(h, JobLogHandler) for h in logger.handlers):
            logger.addHandler(JobLogHandler(level=logging.INFO))
            if logger.level == logging.NOTSET or logger.level > logging.INFO:
                logger.setLevel(logging.INFO)
