"""A retry whose saved progress (the Sheets checkpoint) cannot be read: appending stops with the way
out instead of appending the earlier attempt's rows again; overwriting starts the tab over."""

from __future__ import annotations

from typing import Any

import pytest

from marketing_etl.destinations.sheets.writer import CHECKPOINT_KEY
from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from tests.destinations.conftest import EMAIL, SID, Env, fail_midway, table

ROWS = [[i, f"row {i}"] for i in range(120)]
COLUMNS = [("n", "integer"), ("name", "text")]
# Each cannot be rebuilt into the writer's Progress: a field missing, a field it does not know,
# not a mapping at all.
UNREADABLE: list[Any] = [
    {"target": f"{SID}/Report", "rows_done": 40},
    "with-unknown-field",
    ["not", "a", "mapping"],
]


def _fail_midway(env: Env, google: FakeGoogle, **spec: Any) -> tuple[str, int]:
    job_id, done = fail_midway(env, google, table(COLUMNS, ROWS), len(ROWS), **spec)
    job = env.services.store.get_job(job_id)
    assert job is not None and isinstance(job.checkpoint.get(CHECKPOINT_KEY), dict)  # a readable one
    return job_id, done


def _corrupt(env: Env, job_id: str, bad: Any) -> None:
    job = env.services.store.get_job(job_id)
    assert job is not None
    if bad == "with-unknown-field":
        bad = {**job.checkpoint[CHECKPOINT_KEY], "written_by": "an older version"}
    env.services.store.update_job(job_id, checkpoint={**job.checkpoint, CHECKPOINT_KEY: bad})


def _warnings(env: Env, job_id: str) -> list[str]:
    return [line.message for line in env.services.store.get_logs(job_id) if line.level == "WARNING"]


def _successful_writes(google: FakeGoogle) -> int:
    return sum(1 for call in google.calls if call.kind == "values.batchUpdate" and call.status == 200)


@pytest.mark.parametrize("bad", UNREADABLE, ids=["missing-fields", "unknown-field", "not-a-mapping"])
def test_append_retry_with_unreadable_progress_stops_instead_of_doubling_rows(
    chunked: Env, google: FakeGoogle, bad: Any
) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (1000, 26)})
    book.tab("Report").put(0, 0, "n")
    book.tab("Report").put(0, 1, "name")
    job_id, done = _fail_midway(chunked, google)
    tab = book.tab("Report")
    assert tab.values() == [["n", "name"], *ROWS[:done]]
    _corrupt(chunked, job_id, bad)
    writes_before = _successful_writes(google)

    retried = chunked.retry(job_id)

    assert retried.status is JobStatus.FAILED
    assert retried.message.startswith(
        "The saved progress of this job's earlier attempt could not be read, so it is unknown which "
        f"rows that attempt already appended to tab 'Report' (it recorded {done} rows written); the "
        "job stopped rather than append them a second time, and retrying it will stop here again. "
        "To recover, submit the report as a new job with is_overwrite true (this replaces the tab's "
        "contents), or check tab 'Report', delete the rows the earlier attempt appended, and submit "
        "it as a new job."
    ), retried.message
    assert "a retry continues from there" not in retried.message  # it would not
    assert tab.values() == [["n", "name"], *ROWS[:done]]  # nothing appended a second time
    assert _successful_writes(google) == writes_before
    warnings = _warnings(chunked, job_id)
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith("The saved progress of the earlier attempt of this job could not be read (")


def test_overwrite_retry_with_unreadable_progress_starts_the_tab_over(
    chunked: Env, google: FakeGoogle
) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Report": (50, 5)})
    job_id, _ = _fail_midway(chunked, google, is_overwrite=True)
    _corrupt(chunked, job_id, UNREADABLE[0])

    retried = chunked.retry(job_id)

    assert retried.status is JobStatus.SUCCESS, retried.message
    assert book.tab("Report").values() == [["n", "name"], *ROWS]
    assert retried.rows_written == len(ROWS)
    warnings = _warnings(chunked, job_id)
    assert len(warnings) == 1, warnings
    assert "could not be read" in warnings[0]
    restart = "Overwrite mode: tab 'Report' is cleared and written again from the first row."
    assert restart in chunked.logs(job_id)
