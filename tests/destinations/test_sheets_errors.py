"""Google's refusals become FAILED jobs that say what to do; throttling is waited out; limits
are checked before anything is written."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from marketing_etl import jobs
from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle, Fault
from tests.destinations.conftest import EMAIL, SID, Env, table

SMALL = table([("n", "integer")], [[1], [2]])
WRITES = ("batchUpdate", "values.batchUpdate", "values.update", "values.append", "values.clear")


def writes(google: FakeGoogle) -> int:
    return sum(1 for call in google.calls if call.kind in WRITES)


def test_unshared_spreadsheet_says_whom_to_share_it_with(env: Env, google: FakeGoogle) -> None:
    google.add_spreadsheet(SID, editors=["someone-else@example.com"])
    job = env.run(env.queue(SMALL))
    assert job.status is JobStatus.FAILED
    assert f"Share the spreadsheet with {EMAIL} as Editor" in job.message
    assert "Nothing was written to the destination." in job.message


def test_unknown_spreadsheet_is_named(env: Env, google: FakeGoogle) -> None:
    job = env.run(env.queue(SMALL))
    assert job.status is JobStatus.FAILED
    assert f"spreadsheet {SID} not found" in job.message


def test_other_client_errors_carry_googles_message(env: Env, google: FakeGoogle) -> None:
    google.add_spreadsheet(SID, editors=[EMAIL])
    google.inject(Fault(400, kind="batchUpdate"))
    job = env.run(env.queue(SMALL))
    assert job.status is JobStatus.FAILED
    assert "Google Sheets refused the request: Injected failure 400." in job.message
    assert google.count("batchUpdate", 400) == 1  # a 400 is not retried


def test_a_429_storm_is_waited_out(env: Env, google: FakeGoogle) -> None:
    book = google.add_spreadsheet(SID, editors=[EMAIL])
    google.inject(Fault(429, times=6))
    job = env.run(env.queue(SMALL, is_overwrite=True))
    assert job.status is JobStatus.SUCCESS, job.message
    assert book.tab("Report").values() == [["n"], [1], [2]]
    assert google.count("get", 429) == 6
    calls = [c for c in env.services.store.get_api_calls(job.job_id) if c.platform == "sheets"]
    assert [c.http_status for c in calls].count(429) == 6
    assert "Google Sheets answered 429" in env.logs(job.job_id)


def test_5xx_beyond_the_max_wait_fails_saying_what_was_written(env: Env, google: FakeGoogle) -> None:
    google.add_spreadsheet(SID, editors=[EMAIL])
    google.inject(Fault(503, kind="values.batchUpdate", times=-1))
    job = env.run(env.queue(SMALL, is_overwrite=True))
    assert job.status is JobStatus.FAILED
    assert "Google Sheets answered 503 (The service is currently unavailable.)" in job.message
    assert "kept refusing" in job.message and "SHEETS_MAX_WAIT_S" in job.message
    assert "Wrote 0 of 2 rows: tab 'Report' holds only the header row." in job.message
    assert google.count("values.batchUpdate", 503) >= 3


def test_too_many_cells_fails_before_writing(env: Env, google: FakeGoogle) -> None:
    google.add_spreadsheet(SID, editors=[EMAIL], tabs={"Big": (99_999, 100), "Report": (1000, 26)})
    rows = [[i, i] for i in range(60)]
    job = env.run(env.queue(table([("a", "integer"), ("b", "integer")], rows), is_overwrite=True))
    assert job.status is JobStatus.FAILED
    assert "needs 10,000,022 cells (61 rows x 2 columns in tab 'Report', plus 9,999,900 in the other tabs)" \
        in job.message
    assert "fewer days or fewer accounts" in job.message
    assert writes(google) == 0


def test_a_cell_over_50000_characters_fails_before_writing(env: Env, google: FakeGoogle) -> None:
    google.add_spreadsheet(SID, editors=[EMAIL])
    report = table([("n", "integer"), ("body", "text")], [[1, "ok"], [2, "x" * 50_001]])
    job = env.run(env.queue(report))
    assert job.status is JobStatus.FAILED
    assert "Row 2 of the report has 50,001 characters in column 'body'" in job.message
    assert writes(google) == 0


def test_missing_credentials_fail_the_job_with_the_fix(env: Env, google: FakeGoogle, tmp_path: Path) -> None:
    env.services.settings.google_credentials_path = tmp_path / "nope.json"
    job = env.run(env.queue(SMALL))
    assert job.status is JobStatus.FAILED
    assert f"GOOGLE_CREDENTIALS_PATH ({tmp_path / 'nope.json'}) does not exist" in job.message
    assert "share the spreadsheet with the key's client_email as Editor" in job.message


def test_a_key_google_no_longer_accepts_fails_with_the_fix(
    env: Env, google: FakeGoogle, tmp_path: Path
) -> None:
    info = json.loads(env.key.read_text())
    info["client_email"] = "deleted@fake-project.iam.gserviceaccount.com"
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(info))
    env.services.settings.google_credentials_path = stale
    google.add_spreadsheet(SID, editors=[EMAIL])
    job = env.run(env.queue(SMALL))
    assert job.status is JobStatus.FAILED
    assert "Google refused the service-account key" in job.message
    assert "Invalid JWT Signature" in job.message
    assert "Create a new JSON key" in job.message


def test_cancel_interrupts_a_backoff_wait(env: Env, google: FakeGoogle) -> None:
    google.add_spreadsheet(SID, editors=[EMAIL])
    google.inject(Fault(429, kind="values.batchUpdate", times=-1))
    env.services.settings.sheets_max_wait_s = 600
    job_id = env.queue(SMALL)
    worker = threading.Thread(target=env.run, args=(job_id,))
    worker.start()
    deadline = time.monotonic() + 10
    while google.count("values.batchUpdate", 429) < 8 and time.monotonic() < deadline:
        time.sleep(0.02)
    throttled = google.count("values.batchUpdate", 429)
    cancelled_at = time.monotonic()
    try:
        cancelled = jobs.cancel_job(env.services, job_id)
    finally:  # whatever the cancel answered, no worker is left running
        worker.join(timeout=10)
    assert throttled >= 8, f"the writer saw only {throttled} answers of 429 in 10 s, so it never backed off"
    assert cancelled.cancel_requested
    assert not worker.is_alive()
    assert time.monotonic() - cancelled_at < 2
    job = env.services.store.get_job(job_id)
    assert job is not None and job.status is JobStatus.CANCELLED
    assert job.message.startswith("Cancelled by user.")
