"""/schedules over HTTP: CRUD, validation naming the field, the token never coming back, auth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.helpers import Api, make_settings, running_api
from tests.schedules.support import TOKEN, job_body


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(make_settings(tmp_path, embedded_scheduler=False)) as running:
        yield running


def body(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "GMV daily",
        "cron": "0 6 * * *",
        "timezone": "Asia/Ho_Chi_Minh",
        "date_range": "last_7_days",
        "job": job_body(),
    }
    values.update(overrides)
    return values


def errors(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {".".join(map(str, e["loc"][1:])): e["msg"] for e in response.json()["detail"]}


def test_create_read_list_replace_delete(api: Api) -> None:
    created = api.client.post("/schedules", json=body())
    assert created.status_code == 201, created.text
    schedule = created.json()
    schedule_id = schedule["schedule_id"]
    assert schedule_id.startswith("gmv-daily-")
    assert schedule["token_stored"] is True and schedule["next_run_at"].endswith("Z")
    assert schedule["job"]["sheet_name"] == "GMV daily" and "access_token" not in schedule["job"]
    assert api.client.get(f"/schedules/{schedule_id}").json() == schedule
    assert [s["schedule_id"] for s in api.client.get("/schedules").json()["schedules"]] == [schedule_id]

    # Without a token the stored one is kept; disabling clears the next firing.
    job = job_body(sheet_name="GMV weekly")
    del job["access_token"]
    new_body = body(cron="0 7 * * 1", enabled=False, job=job)
    replaced = api.client.put(f"/schedules/{schedule_id}", json=new_body)
    assert replaced.status_code == 200, replaced.text
    data = replaced.json()
    assert (data["cron"], data["enabled"], data["next_run_at"], data["token_stored"]) == (
        "0 7 * * 1", False, None, True,
    )
    assert data["job"]["sheet_name"] == "GMV weekly"

    assert api.client.delete(f"/schedules/{schedule_id}").json() == {
        "status": "deleted", "schedule_id": schedule_id,
    }
    assert api.client.get(f"/schedules/{schedule_id}").status_code == 404
    assert api.client.delete(f"/schedules/{schedule_id}").status_code == 404
    assert api.client.put(f"/schedules/{schedule_id}", json=body()).status_code == 404


def test_the_token_is_never_returned(api: Api) -> None:
    created = api.client.post("/schedules", json=body())
    listed = api.client.get("/schedules")
    assert TOKEN not in created.text and TOKEN not in listed.text
    bad = api.client.post("/schedules", json=body(cron="nope", job=job_body(store_id="x")))
    assert TOKEN not in bad.text


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"cron": "0 6 * *"}, "cron", "5 fields"),
        ({"cron": "0 25 * * *"}, "cron", "not valid"),
        ({"timezone": "Asia/Atlantis"}, "timezone", "IANA"),
        # Used to be 500s: OSError "File name too long", and CroniterBadDateError at next_run_at.
        ({"timezone": "a" * 300}, "timezone", "IANA"),
        ({"cron": "0 0 31 2 *"}, "cron", "never fires"),
        ({"job": job_body(fx_rates={"USD/VND": "1e999999999"})}, "job.fx_rates", "too large"),
        ({"date_range": "last_week"}, "date_range", "yesterday"),
        ({"name": ""}, "name", "1-100"),
        ({"job": job_body(job_id="fixed")}, "job.job_id", "generated"),
        ({"job": job_body(start_date="2026-01-01")}, "job.start_date", "date_range"),
        ({"job": job_body(access_token=None)}, "job.access_token", "required"),
        ({"job": job_body(advertiser_id=None)}, "job.advertiser_id", "required"),
        ({"job": job_body(task_type="instagram")}, "job.task_type", "unknown task_type"),
        ({"job": job_body(user_email="not-an-email")}, "job.user_email", "email"),
    ],
)
def test_validation_names_the_field_and_the_fix(
    api: Api, overrides: dict[str, Any], field: str, words: str
) -> None:
    found = errors(api.client.post("/schedules", json=body(**overrides)))
    assert field in found, found
    assert words in found[field]
    assert api.client.get("/schedules").json() == {"schedules": []}


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"timezone": "a" * 300}, "timezone", "IANA"),
        ({"timezone": "America"}, "timezone", "IANA"),  # a directory of zones, not a zone
        ({"cron": "0 0 31 2 *"}, "cron", "never fires"),
        ({"cron": "0 0 30 2 *"}, "cron", "31 February"),
    ],
)
def test_replacing_with_a_bad_zone_or_a_cron_that_never_fires_changes_nothing(
    api: Api, overrides: dict[str, Any], field: str, words: str
) -> None:
    created = api.client.post("/schedules", json=body())
    assert created.status_code == 201, created.text
    schedule_id = created.json()["schedule_id"]
    found = errors(api.client.put(f"/schedules/{schedule_id}", json=body(**overrides)))
    assert words in found[field], found
    assert api.client.get(f"/schedules/{schedule_id}").json() == created.json()


def test_schedules_need_the_api_key_like_reports(tmp_path: Path) -> None:
    with running_api(make_settings(tmp_path, api_keys="k1,k2", embedded_scheduler=False)) as api:
        assert api.client.get("/schedules").status_code == 401
        assert api.client.post("/schedules", json=body()).status_code == 401
        response = api.client.post("/schedules", json=body(), headers={"X-API-Key": "k2"})
        assert response.status_code == 201, response.text
        schedule_id = response.json()["schedule_id"]
        assert api.client.delete(f"/schedules/{schedule_id}").status_code == 401
