"""The access token appears in no response body of any endpoint, whatever happens."""

from __future__ import annotations

import httpx

from tests.api.helpers import DASH_AUTH, TOKEN, Api, fb_body, tt_body

NEW_TOKEN = "EAAB-replacement-token-5a4b3c2d"


def test_token_never_in_any_response(api: Api) -> None:
    seen: list[httpx.Response] = []

    def keep(response: httpx.Response) -> httpx.Response:
        seen.append(response)
        return response

    body = fb_body(template_name="rows=2;log=hello")
    assert keep(api.create(body)).status_code == 200
    keep(api.create(body))
    assert api.wait(body["job_id"])["status"] == "SUCCESS"
    keep(api.client.get(f"/reports/{body['job_id']}"))
    logs = keep(api.client.get(f"/api/dashboard/logs/{body['job_id']}", auth=DASH_AUTH)).json()["logs"]
    assert "hello token=***" in logs
    keep(api.client.post(f"/reports/{body['job_id']}/cancel"))
    keep(api.client.post(f"/reports/{body['job_id']}/retry"))

    failing = tt_body(template_name="rows=1;log=hello;fail=user")
    api.start(failing)
    api.wait(failing["job_id"], "FAILED")
    retry = keep(api.client.post(f"/reports/{failing['job_id']}/retry", json={"access_token": NEW_TOKEN}))
    assert retry.status_code == 200
    api.wait(failing["job_id"], "FAILED")
    second_attempt = keep(api.client.get(f"/api/dashboard/logs/{failing['job_id']}", auth=DASH_AUTH))
    assert "hello token=***" in second_attempt.json()["logs"].split("[attempt 2]", 1)[1]
    keep(api.client.get("/api/dashboard", params={"time_range": "all"}, auth=DASH_AUTH))

    # Bad bodies: FastAPI would echo the failed values (the whole body, for some errors).
    for bad in (
        fb_body(user_email="nope"),
        fb_body(access_token=[TOKEN]),
        fb_body(task_type=TOKEN),
        fb_body(end_date="2099-01-01"),
        {"access_token": TOKEN},
    ):
        assert keep(api.create(bad)).status_code == 422
    as_json = {"content-type": "application/json"}
    raw = api.client.post("/reports/create-job", content=f'"{TOKEN}"', headers=as_json)
    assert keep(raw).status_code == 422
    bad_retry = api.client.post(f"/reports/{body['job_id']}/retry", json={"access_token": [NEW_TOKEN]})
    assert keep(bad_retry).status_code == 422

    assert len(seen) >= 15
    for response in seen:
        assert TOKEN not in response.text, (response.request.url, response.text)
        assert NEW_TOKEN not in response.text, (response.request.url, response.text)
