"""/api/dashboard/jobs/{job_id}*: detail, API usage, log file, live log, cancel and retry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from marketing_etl.models import JobStatus
from marketing_etl.settings import Settings
from tests.api.helpers import DASH_AUTH, TOKEN, Api, fb_body, make_settings, running_api
from tests.dashboard.support import fb_call, seed_job

ACTION = {"X-Dashboard": "1"}


def get(api: Api, path: str, **kwargs: Any) -> httpx.Response:
    response: httpx.Response = api.client.get(f"/api/dashboard/jobs/{path}", auth=DASH_AUTH, **kwargs)
    return response


def post(api: Api, path: str, **kwargs: Any) -> httpx.Response:
    response: httpx.Response = api.client.post(
        f"/api/dashboard/jobs/{path}", auth=DASH_AUTH, headers=ACTION, **kwargs
    )
    return response


def events(text: str) -> list[tuple[str, str | None, Any]]:
    """(event, id, data) for each server-sent event in a response body."""
    parsed = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            parsed.append((fields["event"], fields.get("id"), json.loads(fields["data"])))
    return parsed


def test_detail_of_a_finished_job(api: Api) -> None:
    job_id = api.start(fb_body(template_name="rows=3;fail=user"))
    api.wait(job_id, "FAILED")
    response = get(api, job_id)
    assert response.status_code == 200
    assert TOKEN not in response.text and "access_token" not in response.text
    detail = response.json()
    assert detail["job"]["job_id"] == job_id and detail["job"]["status"] == "FAILED"
    assert detail["job"]["sheet_name"] == "FB_Report"
    assert (detail["can_cancel"], detail["can_retry"], detail["token_stored"]) == (False, True, True)
    assert detail["eta_s"] is None
    api.services.store.delete_token(job_id)
    assert get(api, job_id).json()["token_stored"] is False
    assert get(api, "no-such-job").status_code == 404


def test_a_job_by_saved_connection_retries_without_a_token(api: Api) -> None:
    seed_job(api.services, "by-connection", JobStatus.FAILED, 0.1, connection_id="a-deleted-connection")
    detail = get(api, "by-connection").json()
    assert (detail["token_stored"], detail["uses_connection"], detail["can_retry"]) == (False, True, True)
    assert get(api, seed_job(api.services, "by-token", JobStatus.FAILED, 0.1).job_id).json()[
        "uses_connection"
    ] is False
    retried = post(api, "by-connection/retry")  # what the job page sends when uses_connection is true
    assert retried.status_code == 200, retried.text
    assert retried.json()["attempt"] == 2
    # This API's magic source ignores tokens: the second attempt runs to the end.
    assert api.wait("by-connection", "SUCCESS")["rows_written"] == 3


def test_eta_of_a_running_job(api: Api) -> None:
    seed_job(api.services, "running", JobStatus.RUNNING, 0.1)  # started 6 minutes ago
    api.services.store.update_job("running", progress=25)
    detail = get(api, "running").json()
    assert detail["can_cancel"] is True and detail["can_retry"] is False
    assert 3 * 359 < detail["eta_s"] < 3 * 365  # three times the elapsed time is left


def test_api_usage_points_and_accounts(api: Api) -> None:
    seed_job(api.services, "usage", JobStatus.SUCCESS, 1)
    api.services.store.record_api_calls(
        [
            # The Facebook source's own key names ...
            fb_call(
                "usage",
                0.5,
                app_usage_pct=10,
                account_id="111",
                insights_account_usage_pct=20,
                ads_api_access_tier="standard_access",
            ),
            # ... and the raw header names, read too.
            fb_call(
                "usage",
                0.4,
                app_id_util_pct=40,
                account_id="act_111",
                acc_id_util_pct=80,
                estimated_time_to_regain_access=3,
            ),
            fb_call(
                "usage",
                0.3,
                account_id="222",
                buc_total_cputime_pct=50,
                total_time=96,
                buc_call_count_pct=5,
                estimated_time_to_regain_access_min=0,
            ),
            fb_call("usage", 0.2, app_usage_pct=True),  # not a number: unknown, not 1 %
        ]
    )
    data = get(api, "usage/api-usage").json()
    assert data["calls"] == 4 and (data["warning_pct"], data["critical_pct"]) == (75, 95)
    first, second, third, fourth = data["points"]
    assert (first["app_pct"], first["insights_account_pct"], first["account_id"]) == (10, 20, "act_111")
    assert (second["insights_app_pct"], second["account_pct"], second["regain_min"]) == (40, 80, 3)
    assert second["load_pct"] == 80
    assert (third["cputime_pct"], third["time_pct"], third["call_count_pct"]) == (50, 96, 5)
    assert (third["load_pct"], third["regain_min"]) == (96, 0)
    assert fourth["app_pct"] is None and fourth["load_pct"] is None
    assert data["accounts"] == [
        {
            "account_id": "act_111",
            "calls": 2,
            "max_account_pct": 80,
            "max_load_pct": 80,
            "max_regain_min": 3,
            "tier": "limited_access",  # recorded under the tier's old name
        },
        {
            "account_id": "act_222",
            "calls": 1,
            "max_account_pct": None,
            "max_load_pct": 96,
            "max_regain_min": 0,
            "tier": None,
        },
    ]


def test_log_download(api: Api) -> None:
    job_id = api.start(fb_body(template_name="rows=2"))
    api.wait(job_id, "SUCCESS")
    response = get(api, f"{job_id}/log.txt")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert response.headers["content-disposition"] == f'attachment; filename="{job_id}.log"'
    assert response.text == api.logs(job_id) + "\n"


def test_log_stream_of_a_finished_job_and_resuming(api: Api) -> None:
    job_id = api.start(fb_body(template_name="rows=2"))
    api.wait(job_id, "SUCCESS")
    response = get(api, f"{job_id}/log/stream")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    stream = events(response.text)
    assert stream[0][0] == "job" and stream[0][2]["status"] == "SUCCESS"
    assert stream[-1] == ("end", None, {"status": "SUCCESS"})
    lines = [(event_id, data) for name, event_id, data in stream if name == "log"]
    # The same lines as the log endpoint, in order.
    assert [data["message"] for _, data in lines] == [
        line.split("] ", 1)[1] for line in api.logs(job_id).splitlines()
    ]
    assert [int(event_id or 0) for event_id, _ in lines] == [data["seq"] for _, data in lines]

    resumed = events(
        get(api, f"{job_id}/log/stream", headers={"Last-Event-ID": str(lines[1][1]["seq"])}).text
    )
    assert [data["seq"] for name, _, data in resumed if name == "log"] == [
        data["seq"] for _, data in lines[2:]
    ]
    after = events(get(api, f"{job_id}/log/stream", params={"after": lines[-1][1]["seq"]}).text)
    assert [name for name, _, _ in after] == ["job", "end"]
    assert get(api, "no-such-job/log/stream").status_code == 404


def test_log_stream_refuses_out_of_range_positions_before_streaming(api: Api) -> None:
    job_id = api.start(fb_body(template_name="rows=1"))
    api.wait(job_id, "SUCCESS")
    largest = 2**63 - 1
    # Used to be a 200 whose stream then broke on the store's integer overflow.
    for after in (largest + 1, 10**30, -1):
        response = get(api, f"{job_id}/log/stream", params={"after": after})
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["query", "after"]
    # b"\xb2" arrives as "²" (latin-1): str.isdigit() said yes and int() raised, a 500.
    for header in (str(largest + 1), "9" * 40, "-1", "1.5", "abc", b"\xb2"):
        response = get(api, f"{job_id}/log/stream", headers={"Last-Event-ID": header})
        assert response.status_code == 422, (header, response.text)
        [entry] = response.json()["detail"]
        assert entry["loc"] == ["header", "last-event-id"]
        assert "Last-Event-ID" in entry["msg"] and f"0 to {largest}" in entry["msg"]
    # The bounds themselves are fine: nothing comes after them.
    for kwargs in ({"params": {"after": largest}}, {"headers": {"Last-Event-ID": str(largest)}}):
        stream = events(get(api, f"{job_id}/log/stream", **kwargs).text)
        assert [name for name, _, _ in stream] == ["job", "end"]


def test_log_stream_follows_a_running_job(api: Api) -> None:
    job_id = api.start(fb_body(template_name="rows=6;delay_ms=150;log=fetching"))
    api.wait(job_id, "RUNNING")
    # The stream is read while the job runs and ends by itself once the job is done.
    stream = events(get(api, f"{job_id}/log/stream").text)
    names = [name for name, _, _ in stream]
    assert names[-1] == "end" and stream[-1][2] == {"status": "SUCCESS"}
    statuses = [data["status"] for name, _, data in stream if name == "job"]
    assert statuses[0] == "RUNNING" and statuses[-1] == "SUCCESS"
    messages = [data["message"] for name, _, data in stream if name == "log"]
    assert any("fetching" in m for m in messages) and "Wrote 6 rows" in messages[-1]
    assert TOKEN not in json.dumps(stream)


def test_cancel_and_retry_without_an_api_key(tmp_path: Path) -> None:
    settings: Settings = make_settings(tmp_path, api_keys="the-only-key")
    with running_api(settings) as api:
        body = fb_body(template_name="rows=200;delay_ms=50")
        assert api.create(body, headers={"X-API-Key": "the-only-key"}).status_code == 200
        job_id = body["job_id"]
        assert api.client.post(f"/reports/{job_id}/cancel").status_code == 401

        cancelled = post(api, f"{job_id}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancel_requested"
        # The helpers below read /reports/{job_id}, which needs the key.
        api.client.headers["X-API-Key"] = "the-only-key"
        assert api.wait(job_id)["status"] == "CANCELLED"
        assert post(api, f"{job_id}/cancel").status_code == 409

        api.services.store.delete_token(job_id)
        needs_token = post(api, f"{job_id}/retry")
        assert needs_token.status_code == 422
        assert needs_token.json()["detail"][0]["loc"] == ["body", "access_token"]
        retried = post(api, f"{job_id}/retry", json={"access_token": TOKEN})
        assert retried.status_code == 200 and retried.json()["attempt"] == 2
        assert api.job(job_id)["status"] in ("QUEUED", "RUNNING")
        assert post(api, f"{job_id}/retry").status_code == 409
        assert post(api, "no-such-job/retry").status_code == 404
        assert TOKEN not in api.logs(job_id)
