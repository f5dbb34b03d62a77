"""/reports/*: idempotent create, the report fields, cancel and retry in every state."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from marketing_etl.models import JobFilter
from marketing_etl.settings import Settings
from tests.api.helpers import BOTH_BACKENDS, SPREADSHEET_ID, Api, fb_body, running_api, tt_body

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SLOW = "rows=400;delay_ms=50"  # about 20 s unless cancelled


@pytest.fixture
def single_worker_api(settings: Settings) -> Iterator[Api]:
    """MAX_CONCURRENT_JOBS=1: while one long job runs, the next one stays QUEUED."""
    with running_api(settings.model_copy(update={"max_concurrent_jobs": 1})) as api:
        yield api


def test_same_body_twice_is_one_job(api: Api) -> None:
    body = fb_body()
    first = api.create(body)
    assert first.status_code == 200
    assert first.json() == {
        "status": "queued",
        "job_id": body["job_id"],
        "message": "Job accepted and queued.",
    }

    again = api.create(body)
    assert again.status_code == 200
    assert again.json()["status"] in ("queued", "running", "success")
    assert "nothing new was queued" in again.json()["message"]

    api.wait(body["job_id"], "SUCCESS")
    after = api.create(body).json()
    assert after["status"] == "success"
    _, total = api.services.store.list_jobs(JobFilter(q=body["job_id"]), 0, 10)
    assert total == 1


def test_same_job_id_with_a_different_body_is_a_conflict(api: Api) -> None:
    body = fb_body()
    api.start(body)
    conflict = api.create({**body, "sheet_name": "Another tab"})
    assert conflict.status_code == 409
    assert conflict.json() == {
        "detail": f"job_id '{body['job_id']}' is already used by a different request; send a new "
        "job_id (or, to look that job up, GET /reports/{job_id})."
    }
    assert api.job(body["job_id"])["sheet_name"] == "FB_Report"


@BOTH_BACKENDS
def test_report_fields(api: Api) -> None:
    body = tt_body(
        template_name="rows=4",
        advertiser_name="Brand Ads",
        store_name="Brand Shop",
        is_overwrite=True,
        selected_fields=["gmv", "orders"],
    )
    job_id = api.start(body)
    job = api.wait(job_id)

    assert job["status"] == "SUCCESS"
    assert (job["progress"], job["rows_written"], job["attempt"]) == (100, 4, 1)
    assert job["destination_url"] == f"memory://{job_id}"
    for key in (
        "task_type",
        "task_id",
        "template_name",
        "advertiser_id",
        "advertiser_name",
        "store_id",
        "store_name",
        "start_date",
        "end_date",
        "user_email",
        "spreadsheet_id",
        "sheet_name",
        "selected_fields",
        "is_overwrite",
    ):
        assert job[key] == body[key], key
    assert job["destination"] == "sheets"
    assert job["accounts"] == []
    assert job["cancel_requested"] is False
    for key in ("created_at", "started_at", "finished_at"):
        assert ISO_Z.match(job[key]), job[key]
    assert job["created_at"] <= job["started_at"] <= job["finished_at"]
    assert isinstance(job["duration_s"], float) and job["duration_s"] >= 0
    assert not any("token" in key for key in job)


def test_unknown_job_is_404(api: Api) -> None:
    for answer in (
        api.client.get("/reports/no-such-job"),
        api.client.post("/reports/no-such-job/cancel"),
        api.client.post("/reports/no-such-job/retry"),
    ):
        assert answer.status_code == 404
        assert answer.json() == {"detail": "No job with job_id 'no-such-job'."}


@BOTH_BACKENDS
def test_cancel_in_each_state(single_worker_api: Api) -> None:
    api = single_worker_api
    running = api.start(fb_body(template_name=SLOW))
    api.wait(running, "RUNNING")
    queued = api.start(fb_body(template_name="rows=1"))

    response = api.client.post(f"/reports/{queued}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancel_requested"
    assert response.json()["job_status"] == "CANCELLED"
    job = api.job(queued)  # no waiting: a queued job is cancelled at once
    assert job["status"] == "CANCELLED"
    assert job["finished_at"] is not None and job["rows_written"] == 0
    assert job["destination_url"] == f"https://docs.google.com/spreadsheets/d/{SPREADSHEET_ID}/edit"

    response = api.client.post(f"/reports/{running}/cancel")
    assert response.status_code == 200
    assert response.json() == {
        "status": "cancel_requested",
        "job_id": running,
        "job_status": "RUNNING",
        "message": "Cancel requested: the job stops at its next check and keeps what it already wrote.",
    }
    job = api.wait(running)
    assert job["status"] == "CANCELLED"
    assert job["message"].startswith("Cancelled by user.")
    assert "rows had already been written" in job["message"] or "Nothing was written" in job["message"]

    finished = api.client.post(f"/reports/{running}/cancel")
    assert finished.status_code == 409
    assert "already finished (CANCELLED)" in finished.json()["detail"]
    assert "Starting" not in api.logs(queued)


@BOTH_BACKENDS
def test_retry_of_a_failed_job_runs_it_again(api: Api) -> None:
    job_id = api.start(fb_body(template_name="rows=2;fail=user"))
    assert api.wait(job_id)["status"] == "FAILED"

    response = api.client.post(f"/reports/{job_id}/retry")
    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert (response.json()["job_id"], response.json()["attempt"]) == (job_id, 2)

    job = api.wait(job_id)
    assert (job["status"], job["attempt"]) == ("FAILED", 2)
    lines = api.logs(job_id).splitlines()
    attempts = [int(re.search(r"\[attempt (\d+)\]", line).group(1)) for line in lines]  # type: ignore[union-attr]
    assert attempts == sorted(attempts) and set(attempts) == {1, 2}
    assert any("Retry requested: attempt 2" in line for line in lines)
    assert sum("Starting facebook_daily report" in line for line in lines) == 2


def test_retry_in_other_states(api: Api) -> None:
    done = api.start(fb_body(template_name="rows=1"))
    api.wait(done, "SUCCESS")
    success = api.client.post(f"/reports/{done}/retry")
    assert success.status_code == 409
    assert "SUCCESS; only FAILED or CANCELLED" in success.json()["detail"]

    slow = api.start(fb_body(template_name=SLOW))
    api.wait(slow, "RUNNING")
    assert api.client.post(f"/reports/{slow}/retry").status_code == 409

    api.client.post(f"/reports/{slow}/cancel")
    assert api.wait(slow)["status"] == "CANCELLED"
    retried = api.client.post(f"/reports/{slow}/retry")
    assert retried.status_code == 200
    assert retried.json()["attempt"] == 2
    assert api.wait(slow, "RUNNING")["attempt"] == 2


def test_retry_after_the_token_was_deleted_needs_a_new_one(api: Api) -> None:
    job_id = api.start(fb_body(template_name="rows=1;fail=user"))
    api.wait(job_id, "FAILED")
    api.services.store.delete_token(job_id)

    refused = api.client.post(f"/reports/{job_id}/retry")
    assert refused.status_code == 422
    [entry] = refused.json()["detail"]
    assert entry["loc"] == ["body", "access_token"]
    assert entry["type"] == "missing"
    assert "deleted" in entry["msg"] and "send a new one" in entry["msg"]
    assert api.job(job_id)["status"] == "FAILED"

    accepted = api.client.post(f"/reports/{job_id}/retry", json={"access_token": "new-token-abcdef"})
    assert accepted.status_code == 200
    assert accepted.json()["attempt"] == 2
    assert api.wait(job_id)["attempt"] == 2
