"""The shared per-minute budget of Sheets calls, and the optional CURRENT_TASK_STATUS tab."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from marketing_etl.destinations.sheets import SheetsOptions
from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle, Fault
from tests.destinations.conftest import EMAIL, SID, Env, make_env, table

# A budget size no other test uses: the in-process budget is shared by the whole test process.
BUDGET = 5


@pytest.fixture
def budgeted(tmp_path: Path, google_server: tuple[FakeGoogle, Path], google: FakeGoogle) -> Iterator[Env]:
    yield from make_env(tmp_path, google_server, sheets_writes_per_minute=BUDGET, sheets_max_wait_s=1)


def test_every_job_draws_from_one_budget_of_writes(budgeted: Env, google: FakeGoogle) -> None:
    google.add_spreadsheet(SID, editors=[EMAIL])
    report = table([("n", "integer")], [[1]])
    first = budgeted.run(budgeted.queue(report, is_overwrite=True))
    second = budgeted.run(budgeted.queue(report, is_overwrite=True, sheet_name="Two"))
    assert (first.status, second.status) == (JobStatus.SUCCESS, JobStatus.SUCCESS)
    # 4 of the 5 writes per minute are used; the third job's second write finds none left.
    third = budgeted.run(budgeted.queue(report, is_overwrite=True, sheet_name="Three"))
    assert third.status is JobStatus.FAILED
    assert "shared API budget stayed exhausted" in third.message
    assert google.count("values.batchUpdate") + google.count("batchUpdate") == BUDGET


@pytest.fixture
def status_env(tmp_path: Path, google_server: tuple[FakeGoogle, Path], google: FakeGoogle) -> Iterator[Env]:
    options = SheetsOptions(chunk_bytes=600, backoff_base_s=0.01, status_interval_s=0.0, rng=random.Random(1))
    yield from make_env(tmp_path, google_server, options, report_status_to_sheet=True)


def test_status_tab_is_hidden_and_ends_completed(status_env: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL])
    rows = [[i] for i in range(200)]
    job = status_env.run(status_env.queue(table([("n", "integer")], rows), task_id="addon-task-7"))
    assert job.status is JobStatus.SUCCESS, job.message
    status = book.tab("CURRENT_TASK_STATUS")
    assert status.hidden and (status.rows, status.cols) == (2, 5)
    values = status.values()
    assert values[0] == ["task_id", "status", "progress", "message", "last_updated"]
    assert values[1][:4] == ["addon-task-7", "COMPLETED", 100, "Wrote 200 rows to 'Report'"]
    # Interval 0: an update after every chunk, plus the final one.
    chunks = google.count("values.batchUpdate")
    assert google.count("values.update") == chunks + 1


def test_status_updates_are_throttled(
    tmp_path: Path, google_server: tuple[FakeGoogle, Path], google: FakeGoogle
) -> None:
    options = SheetsOptions(
        chunk_bytes=600, backoff_base_s=0.01, status_interval_s=3600, rng=random.Random(1)
    )
    for env in make_env(tmp_path, google_server, options, report_status_to_sheet=True):
        book = google.add_spreadsheet(SID, editors=[EMAIL])
        job = env.run(env.queue(table([("n", "integer")], [[i] for i in range(200)])))
        assert job.status is JobStatus.SUCCESS, job.message
        assert google.count("values.batchUpdate") > 3
        assert google.count("values.update") == 1  # only the end: the start rode in the batch
        assert book.tab("CURRENT_TASK_STATUS").values()[1][1] == "COMPLETED"


def test_status_tab_says_failed(status_env: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL])
    google.inject(Fault(400, kind="values.batchUpdate"))
    job = status_env.run(status_env.queue(table([("n", "integer")], [[1]])))
    assert job.status is JobStatus.FAILED
    assert book.tab("CURRENT_TASK_STATUS").values()[1][1:3] == ["FAILED", 0]


def test_status_tab_is_off_by_default(env: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL])
    assert env.run(env.queue(table([("n", "integer")], [[1]]))).status is JobStatus.SUCCESS
    assert book.find("CURRENT_TASK_STATUS") is None
