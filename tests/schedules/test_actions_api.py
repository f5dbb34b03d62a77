"""/schedules/describe, pause, resume and run-now over HTTP, and their /api/dashboard mirrors:
real store, real LocalExecutor running the scripted test source."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from marketing_etl.models import JobFilter, utcnow
from tests.api.helpers import DASH_AUTH, Api, make_settings, running_api
from tests.schedules.support import TOKEN, job_body

DASH = "/api/dashboard"
DASH_HEADERS = {"X-Dashboard": "1"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(make_settings(tmp_path, embedded_scheduler=False)) as running:
        yield running


def definition(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "GMV daily",
        "cron": "0 6 * * *",
        "timezone": "Asia/Ho_Chi_Minh",
        "date_range": "yesterday",
        "job": job_body(),
    }
    values.update(overrides)
    return values


def create(api: Api, **overrides: Any) -> dict[str, Any]:
    response = api.client.post("/schedules", json=definition(**overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 6 * * *", "every day at 06:00 Asia/Ho_Chi_Minh"),
        ("0 6 * * 1-5", "every weekday (Mon\N{EN DASH}Fri) at 06:00 Asia/Ho_Chi_Minh"),
        ("30 7 * * 1", "every Monday at 07:30 Asia/Ho_Chi_Minh"),
        ("0 9 * * 1,3,5", "every Monday, Wednesday and Friday at 09:00 Asia/Ho_Chi_Minh"),
        ("0 6 1 * *", "on day 1 of every month at 06:00 Asia/Ho_Chi_Minh"),
        ("@daily", "every day at 00:00 Asia/Ho_Chi_Minh"),
        ("*/15 9-17 * * *", "at cron '*/15 9-17 * * *' in Asia/Ho_Chi_Minh"),
    ],
)
def test_describe_says_the_timing_in_words(api: Api, cron: str, words: str) -> None:
    response = api.client.get("/schedules/describe", params={"cron": cron, "timezone": "Asia/Ho_Chi_Minh"})
    assert response.status_code == 200, response.text
    assert response.json()["description"] == words


def test_describe_lists_the_next_three_runs_in_the_zone(api: Api) -> None:
    before = utcnow()
    answer = api.client.get(
        "/schedules/describe", params={"cron": "30 7 * * 1", "timezone": "Asia/Ho_Chi_Minh"}
    )
    runs = [datetime.fromisoformat(text) for text in answer.json()["next_runs"]]
    assert len(runs) == 3
    assert all(run.utcoffset() == timedelta(hours=7) for run in runs)
    assert all((run.weekday(), run.hour, run.minute) == (0, 7, 30) for run in runs)
    assert before < runs[0] <= before + timedelta(days=7)
    assert [later - earlier for earlier, later in itertools.pairwise(runs)] == [timedelta(days=7)] * 2


def test_describe_names_the_bad_query_parameter(api: Api) -> None:
    both = api.client.get("/schedules/describe", params={"cron": "0 6 * *", "timezone": "Mars/Olympus"})
    assert both.status_code == 422
    problems = {entry["loc"][1]: entry["msg"] for entry in both.json()["detail"]}
    assert "5 fields" in problems["cron"] and "Asia/Ho_Chi_Minh" in problems["timezone"]
    missing = api.client.get("/schedules/describe")
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["query", "cron"]


def test_schedules_carry_description_local_next_run_and_last_job_status(api: Api) -> None:
    schedule = create(api)
    assert schedule["description"] == "every day at 06:00 Asia/Ho_Chi_Minh"
    local = datetime.fromisoformat(schedule["next_run_local"])
    assert (local.hour, local.minute, local.utcoffset()) == (6, 0, timedelta(hours=7))
    assert local == datetime.fromisoformat(schedule["next_run_at"].replace("Z", "+00:00"))
    assert schedule["last_job_status"] is None


def test_pause_and_resume_persist(api: Api) -> None:
    schedule_id = create(api)["schedule_id"]
    paused = api.client.post(f"/schedules/{schedule_id}/pause")
    assert paused.status_code == 200, paused.text
    assert (paused.json()["enabled"], paused.json()["next_run_local"]) == (False, None)
    stored = api.services.store.schedules.get(schedule_id)
    assert stored is not None and (stored.enabled, stored.next_run_at) == (False, None)

    resumed = api.client.post(f"/schedules/{schedule_id}/resume").json()
    assert resumed["enabled"] is True and resumed["next_run_local"].endswith("+07:00")
    stored = api.services.store.schedules.get(schedule_id)
    assert stored is not None and stored.enabled and stored.next_run_at is not None
    for action in ("pause", "resume", "run-now"):
        missing = api.client.post(f"/schedules/nope/{action}")
        assert missing.status_code == 404 and "nope" in missing.json()["detail"]


def test_run_now_creates_a_job_that_runs(api: Api) -> None:
    schedule = create(api, enabled=False)  # paused schedules can still be run by hand
    schedule_id = schedule["schedule_id"]
    answer = api.client.post(f"/schedules/{schedule_id}/run-now")
    assert answer.status_code == 200, answer.text
    ran = answer.json()
    assert ran["created"] is True and ran["job_id"].startswith(f"{schedule_id}.")
    job = api.wait(ran["job_id"])
    assert job["status"] == "SUCCESS", job
    yesterday = (utcnow() + timedelta(hours=7)).date() - timedelta(days=1)
    assert job["start_date"] == job["end_date"] == yesterday.isoformat()
    assert "Created by schedule 'GMV daily'" in api.logs(ran["job_id"])

    again = api.client.post(f"/schedules/{schedule_id}/run-now").json()
    # Within the same minute the firing's job_id is the same, and nothing new is queued.
    assert again["created"] is (again["job_id"] != ran["job_id"])


def test_run_now_on_an_active_schedule_becomes_its_latest_job(api: Api) -> None:
    schedule = create(api)
    schedule_id = schedule["schedule_id"]
    job_id = api.client.post(f"/schedules/{schedule_id}/run-now").json()["job_id"]
    api.wait(job_id)
    shown = api.client.get(f"/schedules/{schedule_id}").json()
    assert (shown["last_job_id"], shown["last_job_status"]) == (job_id, "SUCCESS")
    assert shown["next_run_at"] == schedule["next_run_at"]  # the regular firings are unchanged


def test_run_now_says_why_no_job_can_be_created(api: Api) -> None:
    schedule_id = create(api)["schedule_id"]
    # A token encrypted under another SECRET_KEY: the firing cannot read it.
    assert api.services.store.schedules.update(schedule_id, b"not-a-fernet-token", utcnow())
    refused = api.client.post(f"/schedules/{schedule_id}/run-now")
    assert refused.status_code == 409
    assert "cannot be decrypted" in refused.json()["detail"] and "access_token" in refused.json()["detail"]


def test_actions_need_the_api_key_when_api_keys_is_set(tmp_path: Path) -> None:
    with running_api(make_settings(tmp_path, api_keys="key-one", embedded_scheduler=False)) as api:
        created = api.client.post("/schedules", json=definition(), headers={"X-API-Key": "key-one"})
        schedule_id = created.json()["schedule_id"]
        for method, path in [
            ("GET", "/schedules/describe?cron=0+6+*+*+*"),
            ("POST", f"/schedules/{schedule_id}/pause"),
            ("POST", f"/schedules/{schedule_id}/resume"),
            ("POST", f"/schedules/{schedule_id}/run-now"),
        ]:
            assert api.client.request(method, path).status_code == 401, path
        allowed = api.client.post(f"/schedules/{schedule_id}/pause", headers={"X-API-Key": "key-one"})
        assert allowed.status_code == 200
        # The dashboard's mirror takes its own login instead of the key.
        mirrored = api.client.post(
            f"{DASH}/schedules/{schedule_id}/resume", auth=DASH_AUTH, headers=DASH_HEADERS
        )
        assert mirrored.status_code == 200 and mirrored.json()["enabled"] is True


def test_dashboard_mirror_gives_the_same_answers(api: Api) -> None:
    created = api.client.post(f"{DASH}/schedules", json=definition(), auth=DASH_AUTH, headers=DASH_HEADERS)
    assert created.status_code == 201, created.text
    schedule_id = created.json()["schedule_id"]
    assert TOKEN not in created.text
    listed = api.client.get(f"{DASH}/schedules", auth=DASH_AUTH).json()
    assert listed == api.client.get("/schedules").json()
    described = api.client.get(f"{DASH}/schedules/describe", params={"cron": "0 6 * * 1-5"}, auth=DASH_AUTH)
    assert described.json()["description"] == "every weekday (Mon\N{EN DASH}Fri) at 06:00 UTC"

    paused = api.client.post(f"{DASH}/schedules/{schedule_id}/pause", auth=DASH_AUTH, headers=DASH_HEADERS)
    assert paused.json()["enabled"] is False
    assert api.client.get(f"/schedules/{schedule_id}").json()["enabled"] is False
    ran = api.client.post(f"{DASH}/schedules/{schedule_id}/run-now", auth=DASH_AUTH, headers=DASH_HEADERS)
    assert api.wait(ran.json()["job_id"])["status"] == "SUCCESS"
    replaced = api.client.put(
        f"{DASH}/schedules/{schedule_id}",
        json=definition(cron="30 7 * * 1"),
        auth=DASH_AUTH,
        headers=DASH_HEADERS,
    )
    assert replaced.json()["description"] == "every Monday at 07:30 Asia/Ho_Chi_Minh"
    deleted = api.client.delete(f"{DASH}/schedules/{schedule_id}", auth=DASH_AUTH, headers=DASH_HEADERS)
    assert deleted.json() == {"status": "deleted", "schedule_id": schedule_id}
    assert api.client.get(f"{DASH}/schedules/{schedule_id}", auth=DASH_AUTH).status_code == 404


def test_dashboard_mirror_needs_login_and_the_header_on_changes(api: Api) -> None:
    schedule_id = create(api)["schedule_id"]
    assert api.client.get(f"{DASH}/schedules").status_code == 401
    assert api.client.post(f"{DASH}/schedules/{schedule_id}/pause", headers=DASH_HEADERS).status_code == 401
    for method, path in [
        ("POST", f"{DASH}/schedules"),
        ("PUT", f"{DASH}/schedules/{schedule_id}"),
        ("DELETE", f"{DASH}/schedules/{schedule_id}"),
        ("POST", f"{DASH}/schedules/{schedule_id}/pause"),
        ("POST", f"{DASH}/schedules/{schedule_id}/resume"),
        ("POST", f"{DASH}/schedules/{schedule_id}/run-now"),
    ]:
        refused = api.client.request(method, path, auth=DASH_AUTH, json=definition())
        assert refused.status_code == 403 and "X-Dashboard" in refused.json()["detail"], path
    stored = api.services.store.schedules.get(schedule_id)
    assert stored is not None and stored.enabled  # nothing changed, and no job was run
    assert api.services.store.list_jobs(JobFilter(), 0, 10)[0] == []


def test_openapi_lists_both_doors(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for prefix in ("", DASH):
        assert "get" in paths[f"{prefix}/schedules/describe"]
        for action in ("pause", "resume", "run-now"):
            operation = paths[f"{prefix}/schedules/{{schedule_id}}/{action}"]["post"]
            assert operation["summary"] and "404" in operation["responses"]
    assert "403" in paths[f"{DASH}/schedules/{{schedule_id}}/run-now"]["post"]["responses"]
    assert "409" in paths["/schedules/{schedule_id}/run-now"]["post"]["responses"]
