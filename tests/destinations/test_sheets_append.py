"""Append mode: existing rows stay, headers are united, rows land after the last filled row,
and a job that fails mid-write continues on retry without writing any row twice."""

from __future__ import annotations

import re

from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle, Fault
from tests.destinations.conftest import EMAIL, SID, Env, table


def test_append_unites_headers_and_aligns_rows(env: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    existing = book.tab("Report")
    existing_rows: list[list[object]] = [
        ["date", "spend", "note"],
        ["2026-09-30", 10, "kept"],
        ["2026-09-29", 20],
    ]
    for r, row in enumerate(existing_rows):
        for c, value in enumerate(row):
            existing.put(r, c, value)
    existing.put(4, 2, "a stray value below a blank row")  # row 5 is the last filled row
    report = table([("spend", "money"), ("clicks", "integer"), ("date", "text")],
                   [[1.5, 3, "2026-10-01"], [2.5, 4, "2026-10-02"]])
    job = env.run(env.queue(report))
    assert job.status is JobStatus.SUCCESS, job.message
    assert existing.values() == [
        ["date", "spend", "note", "clicks"],
        ["2026-09-30", 10, "kept"],
        ["2026-09-29", 20],
        [],
        ["", "", "a stray value below a blank row"],
        ["2026-10-01", 1.5, "", 3],
        ["2026-10-02", 2.5, "", 4],
    ]
    assert (existing.rows, existing.cols) == (1000, 26)  # appending never shrinks the tab
    assert existing.format_at(6, 1)["numberFormat"]["pattern"] == "#,##0.00"
    assert existing.format_at(6, 3)["numberFormat"]["pattern"] == "#,##0"


def test_append_to_an_empty_tab_writes_the_header_first(env: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    job = env.run(env.queue(table([("n", "integer")], [[1], [2]])))
    assert job.status is JobStatus.SUCCESS, job.message
    assert book.tab("Report").values() == [["n"], [1], [2]]


def test_append_grows_the_grid_and_creates_missing_tabs(env: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (3, 1)})
    for r, value in enumerate(["n", 1, 2]):
        book.tab("Report").put(r, 0, value)
    first = env.run(env.queue(table([("n", "integer"), ("m", "integer")], [[3, 30], [4, 40]])))
    assert first.status is JobStatus.SUCCESS, first.message
    assert book.tab("Report").values() == [["n", "m"], [1], [2], [3, 30], [4, 40]]
    assert (book.tab("Report").rows, book.tab("Report").cols) == (5, 2)
    second = env.run(env.queue(table([("n", "integer")], [[9]]), sheet_name="Fresh"))
    assert second.status is JobStatus.SUCCESS, second.message
    assert book.tab("Fresh").values() == [["n"], [9]]



ROWS = [[i, f"row {i}"] for i in range(120)]


def _existing(google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    existing_rows: list[list[object]] = [["n", "name"], [-1, "before"]]
    for r, row in enumerate(existing_rows):
        for c, value in enumerate(row):
            book.tab("Report").put(r, c, value)


def test_failure_after_the_second_chunk_then_retry_writes_each_row_once(
    chunked: Env, google: FakeGoogle
) -> None:
    _existing(google)
    google.inject(Fault(500, kind="values.batchUpdate", after=2, times=-1))
    job_id = chunked.queue(table([("n", "integer"), ("name", "text")], ROWS))
    failed = chunked.run(job_id)
    assert failed.status is JobStatus.FAILED
    done = failed.rows_written
    assert 0 < done < len(ROWS)
    holds = f"rows 3-{2 + done} of tab 'Report' hold the report's first {done} rows"
    assert f"Wrote {done} of 120 rows: {holds}" in failed.message
    assert f"{done} rows had already been written; a retry continues from there." in failed.message
    tab = google.books[SID].tab("Report")
    assert tab.values() == [["n", "name"], [-1, "before"], *ROWS[:done]]

    google.clear_faults()
    retried = chunked.retry(job_id)
    assert retried.status is JobStatus.SUCCESS, retried.message
    assert retried.rows_written == 120
    assert tab.values() == [["n", "name"], [-1, "before"], *ROWS]
    # Across both attempts every row was sent in exactly one successful write.
    assert sorted(_rows_sent(google)) == list(range(3, 123))
    assert "(attempt 2)" in chunked.logs(job_id)


def _rows_sent(google: FakeGoogle) -> list[int]:
    rows: list[int] = []
    for call in google.calls:
        if call.kind == "values.batchUpdate" and call.status == 200:
            for target in call.ranges:
                first, last = re.findall(r"![A-Z]+(\d+):[A-Z]+(\d+)$", target)[0]
                rows += range(int(first), int(last) + 1)
    return rows


def test_a_write_applied_but_answered_503_is_not_doubled(chunked: Env, google: FakeGoogle) -> None:
    _existing(google)
    google.inject(Fault(503, kind="values.batchUpdate", after=1, times=1, apply=True))
    chunked.services.settings.sheets_max_wait_s = 2
    job = chunked.run(chunked.queue(table([("n", "integer"), ("name", "text")], ROWS)))
    assert job.status is JobStatus.SUCCESS, job.message
    assert google.books[SID].tab("Report").values() == [["n", "name"], [-1, "before"], *ROWS]
    assert google.count("values.batchUpdate", 503) == 1


def test_overwrite_retry_continues_too(chunked: Env, google: FakeGoogle) -> None:
    google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (50, 5)})
    google.inject(Fault(500, kind="values.batchUpdate", after=2, times=-1))
    job_id = chunked.queue(table([("n", "integer"), ("name", "text")], ROWS), is_overwrite=True)
    failed = chunked.run(job_id)
    assert failed.status is JobStatus.FAILED
    assert "tab 'Report' holds the header and the report's first" in failed.message
    google.clear_faults()
    before = google.count("values.batchUpdate")
    retried = chunked.retry(job_id)
    assert retried.status is JobStatus.SUCCESS, retried.message
    assert google.books[SID].tab("Report").values() == [["n", "name"], *ROWS]
    assert google.count("values.batchUpdate") - before < before
