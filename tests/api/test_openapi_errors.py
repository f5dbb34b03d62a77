"""/openapi.json declares the error answers each route can give: 413 wherever a client sends a
body, 400 and 422 where a JSON body is parsed, 403 on the dashboard's actions; and what it shows
is what the server sends."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketing_etl.api.app import create_app
from tests.api.helpers import DASH_AUTH, Api, make_settings

SENDS_BODY = ("post", "put", "patch")


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = create_app(make_settings(tmp_path_factory.mktemp("openapi")))
    response = TestClient(app).get("/openapi.json")
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, item in spec["paths"].items() for method, op in item.items()]


def example(answer: dict[str, Any]) -> Any:
    return answer["content"]["application/json"]["example"]


def test_every_route_a_body_is_sent_to_declares_413(spec: dict[str, Any]) -> None:
    sending = [(m, p, op) for m, p, op in operations(spec) if m in SENDS_BODY]
    assert len(sending) >= 7
    for method, path, op in sending:
        assert "413" in op["responses"], (method, path)
        assert "MAX_REQUEST_BYTES" in op["responses"]["413"]["description"]
        assert "MAX_REQUEST_BYTES" in example(op["responses"]["413"])["detail"]


def test_every_route_with_a_json_body_declares_400_and_422(spec: dict[str, Any]) -> None:
    with_body = [(m, p, op) for m, p, op in operations(spec) if "requestBody" in op]
    assert {(m, p) for m, p, _ in with_body} >= {
        ("post", "/reports/create-job"),
        ("post", "/reports/{job_id}/retry"),
        ("post", "/api/dashboard/jobs/{job_id}/retry"),
        ("post", "/schedules"),
        ("put", "/schedules/{schedule_id}"),
    }
    for method, path, op in with_body:
        answers = op["responses"]
        assert {"400", "413", "422"} <= set(answers), (method, path)
        [entry] = example(answers["422"])["detail"]
        assert set(entry) == {"loc", "msg", "type"} and entry["loc"][0] == "body", (method, path)


def test_dashboard_actions_declare_the_missing_header_403(spec: dict[str, Any]) -> None:
    actions = [(m, p, op) for m, p, op in operations(spec) if m == "post" and p.startswith("/api/dashboard")]
    assert {p for _, p, _ in actions} == {
        "/api/dashboard/jobs/{job_id}/cancel",
        "/api/dashboard/jobs/{job_id}/retry",
        "/api/dashboard/schedules",
        "/api/dashboard/schedules/{schedule_id}/pause",
        "/api/dashboard/schedules/{schedule_id}/resume",
        "/api/dashboard/schedules/{schedule_id}/run-now",
        "/api/dashboard/jobs",
        "/api/dashboard/connections",
        "/api/dashboard/connections/{connection_id}/check",
        "/api/dashboard/sheets/check-access",
    }
    for _, path, op in actions:
        assert "X-Dashboard" in op["responses"]["403"]["description"], path


def test_the_documented_answers_are_the_ones_sent(spec: dict[str, Any], api: Api) -> None:
    create = spec["paths"]["/reports/create-job"]["post"]["responses"]
    too_large = api.client.post("/reports/create-job", content=b"{" + b" " * 2_097_150 + b"}")
    assert too_large.status_code == 413
    assert set(too_large.json()) == set(example(create["413"]))
    assert too_large.json()["detail"].split(";")[1] == example(create["413"])["detail"].split(";")[1]

    unreadable = api.client.post(
        "/reports/create-job", content=b'{"job_id": "\xff"}', headers={"content-type": "application/json"}
    )
    assert (unreadable.status_code, unreadable.json()) == (400, example(create["400"]))

    cancel = spec["paths"]["/api/dashboard/jobs/{job_id}/cancel"]["post"]["responses"]
    forbidden = api.client.post("/api/dashboard/jobs/any/cancel", auth=DASH_AUTH)
    assert (forbidden.status_code, forbidden.json()) == (403, example(cancel["403"]))
