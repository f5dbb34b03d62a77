"""Saving, listing, checking and deleting connections through the API, against the fake Graph
and TikTok APIs over real HTTP."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from marketing_etl.sandbox.fakes.facebook_graph import TOKEN as FACEBOOK_TOKEN
from tests.api.helpers import DASH_AUTH
from tests.connections.conftest import TIKTOK_TOKEN, Fakes, Server, server_settings, serving

DAY_S = 86_400


def save(
    server: Server, platform: str = "facebook", token: str = FACEBOOK_TOKEN, name: str = "Agency FB"
) -> dict[str, Any]:
    answer = server.http.post(
        "/connections", json={"platform": platform, "name": name, "access_token": token}
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_facebook_connection_is_checked_and_saved(server: Server) -> None:
    server.fakes.graph.identity.expires_in_s = 12 * DAY_S
    saved = save(server)
    assert saved["connection_id"].startswith("conn_")
    assert (saved["platform"], saved["name"], saved["created_by"]) == ("facebook", "Agency FB", None)
    assert (saved["owner_name"], saved["owner_id"]) == ("Sandbox Marketer", "100000000000001")
    assert saved["scopes"] == ["ads_read", "read_insights", "business_management"]
    assert saved["expires_in_days"] == 12 and saved["expires_at"].endswith("Z")
    assert saved["check_ok"] is True and saved["checked_at"]
    assert server.fakes.graph.calls("GET", "me") and server.fakes.graph.calls("GET", "debug_token")

    listed = server.http.get("/connections").json()["connections"]
    assert listed == [saved]
    assert server.http.get(f"/connections/{saved['connection_id']}").json() == saved
    stored = server.services.store.connections.token(saved["connection_id"])
    assert stored is not None and FACEBOOK_TOKEN.encode() not in stored
    assert server.services.vault.decrypt(stored) == FACEBOOK_TOKEN


def test_a_token_that_never_expires(server: Server) -> None:
    saved = save(server)
    assert saved["expires_at"] is None and saved["expires_in_days"] is None


def test_a_refused_token_is_not_saved(server: Server) -> None:
    answer = server.http.post(
        "/connections", json={"platform": "facebook", "name": "Bad", "access_token": "EAAB-wrong-token"}
    )
    assert answer.status_code == 422
    (entry,) = answer.json()["detail"]
    assert entry["loc"] == ["body", "access_token"]
    assert entry["msg"].startswith("Facebook refused the token: ")
    assert "EAAB-wrong-token" not in answer.text
    assert server.http.get("/connections").json() == {"connections": []}


def test_body_problems_name_the_field(server: Server) -> None:
    cases = [
        ({"platform": "myspace", "name": "x", "access_token": "t"}, "platform"),
        ({"platform": "facebook", "name": "", "access_token": "t"}, "name"),
        ({"platform": "facebook", "name": "x" * 101, "access_token": "t"}, "name"),
        ({"platform": "facebook", "name": "x", "access_token": "  "}, "access_token"),
        ({"platform": "facebook", "name": "x", "access_token": "E" * 5000}, "access_token"),
    ]
    for body, field in cases:
        answer = server.http.post("/connections", json=body)
        assert answer.status_code == 422, body
        assert [entry["loc"] for entry in answer.json()["detail"]] == [["body", field]]


def test_tiktok_connection(server: Server) -> None:
    saved = save(server, "tiktok", TIKTOK_TOKEN, "Shop TikTok")
    assert saved["check_ok"] is True and saved["owner_name"] == "Demo Advertiser"
    assert saved["owner_id"] == "7000000000001" and saved["expires_at"] is None
    calls = server.fakes.tiktok.calls_to("/oauth2/advertiser/get/")
    assert calls and calls[-1].params["app_id"] == "7000000000001"

    refused = server.http.post(
        "/connections", json={"platform": "tiktok", "name": "Bad", "access_token": "wrong-tiktok"}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["msg"].startswith("TikTok refused the token: ")


def test_check_again_and_delete(server: Server) -> None:
    saved = save(server)
    first_check = saved["checked_at"]
    server.fakes.graph.identity.expires_in_s = 3 * DAY_S
    checked = server.http.post(f"/connections/{saved['connection_id']}/check").json()
    assert checked["expires_in_days"] == 3 and checked["checked_at"] >= first_check

    deleted = server.http.delete(f"/connections/{saved['connection_id']}")
    assert deleted.json() == {"status": "deleted", "connection_id": saved["connection_id"]}
    for method, suffix in (("GET", ""), ("POST", "/check"), ("DELETE", ""), ("GET", "/ad-accounts")):
        missing = server.http.request(method, f"/connections/{saved['connection_id']}{suffix}")
        assert missing.status_code == 404
        assert missing.json() == {"detail": f"No connection with id '{saved['connection_id']}'."}


def test_api_keys_guard_the_public_endpoints(tmp_path: Path, fakes: Fakes) -> None:
    settings = server_settings(tmp_path, fakes, api_keys="key-1")
    for server in serving(settings, fakes):
        assert server.http.get("/connections").status_code == 401
        assert server.http.get("/connections", headers={"X-API-Key": "key-1"}).status_code == 200
        body = {"platform": "facebook", "name": "x", "access_token": FACEBOOK_TOKEN}
        assert server.http.post("/connections", json=body).status_code == 401
        assert server.http.post("/sheets/check-access", json={"spreadsheet": "x" * 30}).status_code == 401
        # The dashboard's copies need its login instead.
        assert server.dashboard("GET", "/connections").status_code == 200


def test_dashboard_mirrors_need_login_and_header(server: Server) -> None:
    body = {"platform": "facebook", "name": "From dashboard", "access_token": FACEBOOK_TOKEN}
    assert server.http.get("/api/dashboard/connections").status_code == 401
    no_header = server.http.post("/api/dashboard/connections", json=body, auth=DASH_AUTH)
    assert no_header.status_code == 403
    saved = server.dashboard("POST", "/connections", json=body)
    assert saved.status_code == 201 and saved.json()["created_by"] == DASH_AUTH[0]
    connection_id = saved.json()["connection_id"]
    assert server.dashboard("GET", "/connections").json()["connections"] == [saved.json()]
    assert (
        server.http.post(f"/api/dashboard/connections/{connection_id}/check", auth=DASH_AUTH).status_code
        == 403
    )
    assert server.dashboard("POST", f"/connections/{connection_id}/check").status_code == 200
    assert (
        server.http.delete(f"/api/dashboard/connections/{connection_id}", auth=DASH_AUTH).status_code == 403
    )
    assert server.dashboard("DELETE", f"/connections/{connection_id}").json()["status"] == "deleted"


@pytest.mark.parametrize("platform", ["facebook", "tiktok"])
def test_the_token_never_leaves(server: Server, platform: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # httpx's request lines included
    token = FACEBOOK_TOKEN if platform == "facebook" else TIKTOK_TOKEN
    saved = save(server, platform, token)
    texts = [
        server.http.get("/connections").text,
        server.http.get(f"/connections/{saved['connection_id']}").text,
        server.http.post(f"/connections/{saved['connection_id']}/check").text,
        server.http.get("/openapi.json").text,
    ]
    assert all(token not in text for text in texts)
    assert "debug_token" in caplog.text or platform == "tiktok"  # the request lines were captured
    assert token not in caplog.text
