"""LOG_FORMAT and LOG_LEVEL: the console log of a running app, read back as a test runner's
captured stderr."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from marketing_etl.cli import settings_problems
from marketing_etl.log_setup import JsonFormatter, configure_logging, format_as_json
from marketing_etl.settings import Settings
from tests.api.helpers import TOKEN, fb_body, make_settings, running_api

SCRIPT_LOGGER = "marketing_etl.tests.source"  # tests/plugins.py: `log=TEXT` logs TEXT and the token


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide loggers; put them back for the next test."""
    root, own = logging.getLogger(), logging.getLogger("marketing_etl")
    handlers, root_level, own_level = list(root.handlers), root.level, own.level
    yield
    root.handlers[:] = handlers
    root.setLevel(root_level)
    own.setLevel(own_level)


Captured = pytest.CaptureFixture[str]


def run_logging_job(tmp_path: Path, capsys: Captured, **log_settings: Any) -> tuple[str, str, str]:
    """Runs a job whose code logs its token; the job id, its stored log and the console's stderr."""
    settings = make_settings(tmp_path, embedded_scheduler=False, **log_settings)
    configure_logging(settings)
    with running_api(settings) as api:
        job_id = api.start(fb_body(template_name="rows=1;log=fetching now"))
        api.wait(job_id)
        stored = api.logs(job_id)
    return job_id, stored, capsys.readouterr().err


def test_json_lines_name_the_job_and_mask_its_token(tmp_path: Path, capsys: Captured) -> None:
    job_id, _, err = run_logging_job(tmp_path, capsys, log_format="json")
    entries = [json.loads(line) for line in err.splitlines() if line.strip()]
    fetching = [entry for entry in entries if entry["message"].startswith("fetching now")]
    assert len(fetching) == 1
    entry = fetching[0]
    assert (entry["level"], entry["logger"], entry["job_id"]) == ("INFO", SCRIPT_LOGGER, job_id)
    assert "token=" in entry["message"] and TOKEN not in err
    # A line logged outside any job has no job_id.
    assert any("job_id" not in entry for entry in entries)


def test_warning_level_keeps_info_off_the_console_not_the_job_log(tmp_path: Path, capsys: Captured) -> None:
    _, stored, err = run_logging_job(tmp_path, capsys, log_level="WARNING")
    assert "fetching now" in stored
    assert "fetching now" not in err
    logging.getLogger("marketing_etl.test").warning("disk almost full")
    assert " WARNING marketing_etl.test: disk almost full" in capsys.readouterr().err


def test_text_is_the_default(tmp_path: Path, capsys: Captured) -> None:
    _, _, err = run_logging_job(tmp_path, capsys)
    line = next(line for line in err.splitlines() if "fetching now" in line)
    assert f" INFO {SCRIPT_LOGGER}: fetching now token=" in line
    assert TOKEN not in err


def test_settings_accept_any_case_and_name_the_allowed_values() -> None:
    settings = Settings(_env_file=None, log_format="JSON", log_level="warning")
    assert (settings.log_format, settings.log_level) == ("json", "WARNING")
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None, log_level="verbose", log_format="xml")
    assert sorted(settings_problems(raised.value)) == [
        "LOG_FORMAT: Input should be 'text' or 'json'",
        "LOG_LEVEL: Input should be 'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'",
    ]


def test_json_for_handlers_another_library_set_up() -> None:
    logger = logging.getLogger("marketing_etl.test.celery_like")
    handler = logging.StreamHandler()
    logger.addHandler(handler)
    try:
        format_as_json(logger)
    finally:
        logger.removeHandler(handler)
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", ("disk",), None)
    assert isinstance(handler.formatter, JsonFormatter)
    entry = json.loads(handler.format(record))
    assert datetime.fromisoformat(entry.pop("ts")) == datetime.fromtimestamp(record.created, UTC).replace(
        microsecond=int(record.msecs) * 1000
    )
    assert entry == {"level": "ERROR", "logger": "x", "message": "failed: disk"}
