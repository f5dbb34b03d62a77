"""Keep a job's access token out of the process's own logs (console, Celery worker log).

JobContext already masks the token in the job's stored log. Records that go to the process's
handlers instead (a plugin's `logging` call, httpx logging a request URL, a traceback) would
carry it in clear. A log record factory masks the running job's secrets when each record is made,
whatever logger or handler it ends up in.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from marketing_etl.context import current_job

_formatter = logging.Formatter()
_install_lock = threading.Lock()


class _RedactingFactory:
    def __init__(self, base: Any) -> None:
        self._base = base

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self._base(*args, **kwargs)
        ctx = current_job()
        if ctx is None:
            return record
        message = record.getMessage()
        redacted = ctx.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info:
            # Formatters reuse exc_text when it is set, so the clear traceback is never rendered.
            record.exc_text = ctx.redact(_formatter.formatException(record.exc_info))
        return record


def install_log_redaction() -> None:
    """Idempotent; every process that runs jobs calls it before the first one."""
    with _install_lock:
        current = logging.getLogRecordFactory()
        if not isinstance(current, _RedactingFactory):
            logging.setLogRecordFactory(_RedactingFactory(current))
