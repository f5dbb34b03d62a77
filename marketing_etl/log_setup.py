"""The process's console log: plain text or one JSON object a line (LOG_FORMAT), from LOG_LEVEL.

Only the console handler filters by LOG_LEVEL: the `marketing_etl` logger keeps passing INFO
records, because the job log handler (context.py) copies them into each job's stored log
whatever the console shows. Other libraries' records reach the console from WARNING (or
LOG_LEVEL when higher), as before the setting existed: httpx alone would log every request.

Tokens are masked before any formatter sees a record (log_redaction.py), so neither format can
print one; a JSON line names the job whose code logged it, for joining with the job's own log.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from marketing_etl.context import current_job
from marketing_etl.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
OWN_LOGGER = "marketing_etl"
# Records every process's own loggers pass on, whatever LOG_LEVEL: the jobs' logs need INFO.
JOB_LOG_LEVEL = logging.INFO


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, message, job_id (when a job's code logged it),
    exception (a formatted traceback, when there is one)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        job = current_job()
        if job is not None:
            entry["job_id"] = job.job_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class _ConsoleHandler(logging.StreamHandler[Any]):
    """Ours, told apart from handlers others installed (a test runner's, Celery's)."""


def configure_logging(settings: Settings) -> None:
    """Idempotent: a second call replaces the console handler of the first."""
    level = logging.getLevelNamesMapping()[settings.log_level]
    handler = _ConsoleHandler(sys.stderr)
    handler.setLevel(level)
    formatter = JsonFormatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for previous in [h for h in root.handlers if isinstance(h, _ConsoleHandler)]:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(max(level, logging.WARNING))
    logging.getLogger(OWN_LOGGER).setLevel(min(level, JOB_LOG_LEVEL))


def format_as_json(logger: logging.Logger) -> None:
    """For handlers another library set up (Celery's worker): keep them, write JSON."""
    for handler in logger.handlers:
        handler.setFormatter(JsonFormatter())
