"""A retry checks the rows its earlier attempt wrote before it continues after them: a tab that
was recreated or edited meanwhile gets the whole report again (no gap), and rows other jobs
appended meanwhile stay where they are (the rest goes below them)."""

from __future__ import annotations

from typing import Any

from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.google_grid import FakeTab
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from tests.destinations.conftest import EMAIL, SID, Env, fail_midway, table

ROWS = [[i, f"row {i}"] for i in range(120)]
COLUMNS = [("n", "integer"), ("name", "text")]
HEADER = ["n", "name"]


def _fail_midway(env: Env, google: FakeGoogle, **spec: Any) -> tuple[str, int]:
    return fail_midway(env, google, table(COLUMNS, ROWS), len(ROWS), **spec)


def _warnings(env: Env, job_id: str) -> list[str]:
    return [line.message for line in env.services.store.get_logs(job_id) if line.level == "WARNING"]


def test_a_tab_recreated_empty_gets_the_whole_report_from_row_two(chunked: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    tab = book.tab("Report")
    tab.put(0, 0, "n")
    tab.put(0, 1, "name")
    for row in range(1, 31):  # rows someone else put there before: the job appends below them
        tab.put(row, 0, -row)
    job_id, done = _fail_midway(chunked, google)
    assert tab.values()[31:] == ROWS[:done]
    book.tabs[book.tabs.index(tab)] = FakeTab(sheet_id=tab.sheet_id, title="Report")  # a new, empty tab

    retried = chunked.retry(job_id)

    assert retried.status is JobStatus.SUCCESS, retried.message
    assert book.tab("Report").values() == [HEADER, *ROWS]
    assert retried.rows_written == len(ROWS)
    warnings = _warnings(chunked, job_id)
    assert len(warnings) == 1, warnings
    assert warnings[0] == (
        f"The earlier attempt wrote the report's first {done:,} rows to tab 'Report' (rows 32-"
        f"{31 + done}), but they are not there as it left them: row 32 holds [\"\", \"\"] where "
        f"report row 1 ([0, \"row 0\"]) was written. All 120 rows are written again, below the "
        "tab's last filled row."
    )


def test_rows_deleted_from_the_written_block_are_written_again_not_skipped(
    chunked: Env, google: FakeGoogle
) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    job_id, done = _fail_midway(chunked, google)
    tab = book.tab("Report")
    # Someone deleted the block's last ten rows: the rows below the gap would be missing.
    for row in range(done - 9, done + 1):
        tab.cells.pop(row, None)

    retried = chunked.retry(job_id)

    assert retried.status is JobStatus.SUCCESS, retried.message
    values = tab.values()
    assert values[: done - 9] == [HEADER, *ROWS[: done - 10]]  # the surviving rows, untouched
    assert values[-len(ROWS):] == ROWS  # then the whole report, after the last filled row
    assert f"row {done + 1:,} holds" in _warnings(chunked, job_id)[0]


def test_rows_other_jobs_appended_meanwhile_stay_and_the_rest_goes_below(
    chunked: Env, google: FakeGoogle
) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    job_id, done = _fail_midway(chunked, google)
    other = [[1000 + i, f"other {i}"] for i in range(7)]
    other_job = chunked.queue(table(COLUMNS, other))
    assert chunked.run(other_job).status is JobStatus.SUCCESS

    retried = chunked.retry(job_id)

    assert retried.status is JobStatus.SUCCESS, retried.message
    assert book.tab("Report").values() == [HEADER, *ROWS[:done], *other, *ROWS[done:]]
    assert retried.rows_written == len(ROWS)
    assert _warnings(chunked, job_id) == []
    assert (
        f"Rows were added to tab 'Report' below this job's first {done:,} rows since the earlier "
        f"attempt; the other {len(ROWS) - done:,} rows go below them, from row {done + 9:,}."
    ) in chunked.logs(job_id)


def test_an_intact_block_is_continued_where_it_stopped(chunked: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    job_id, _ = _fail_midway(chunked, google)
    writes_before = google.count("values.batchUpdate")

    retried = chunked.retry(job_id)

    assert retried.status is JobStatus.SUCCESS, retried.message
    assert book.tab("Report").values() == [HEADER, *ROWS]
    remaining_chunks = google.count("values.batchUpdate") - writes_before
    assert 0 < remaining_chunks < 6  # only the rows the first attempt had not written
    assert _warnings(chunked, job_id) == []


def test_overwrite_retry_over_a_changed_tab_starts_it_over(chunked: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    job_id, _ = _fail_midway(chunked, google, is_overwrite=True)
    tab = book.tab("Report")
    tab.put(1, 1, "edited by hand")

    retried = chunked.retry(job_id)

    assert retried.status is JobStatus.SUCCESS, retried.message
    assert tab.values() == [HEADER, *ROWS]
    assert "All 120 rows are written again, from row 2 of the cleared tab." in _warnings(chunked, job_id)[0]
