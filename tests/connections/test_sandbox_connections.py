"""Connections in the sandbox: the magic tokens' checks, the demo accounts, a job by connection
into a sandbox sheet, and the unshared spreadsheet's access check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from marketing_etl.sandbox.config import SERVICE_ACCOUNT_EMAIL, UNSHARED_SPREADSHEET_ID
from marketing_etl.sandbox.demo_data import TIKTOK_STORE_ID
from marketing_etl.sandbox.magic import EXPIRED_TOKEN, EXPIRES_SOON_TOKEN
from tests.sandbox.support import SandboxServer, facebook_body, serve_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    with serve_sandbox(tmp_path_factory.mktemp("sandbox-connections")) as running:
        yield running


def _save(sandbox: SandboxServer, platform: str, token: str) -> dict[str, Any]:
    body = {"platform": platform, "name": f"Demo {platform}", "access_token": token}
    answer = sandbox.http.post("/connections", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_magic_tokens_check_as_documented(sandbox: SandboxServer) -> None:
    soon = _save(sandbox, "facebook", EXPIRES_SOON_TOKEN)
    assert soon["expires_in_days"] == 12 and soon["check_ok"] is True
    assert _save(sandbox, "facebook", "any-token-works")["expires_at"] is None
    expired = sandbox.http.post(
        "/connections", json={"platform": "facebook", "name": "Old", "access_token": EXPIRED_TOKEN}
    )
    assert expired.status_code == 422 and "expired" in expired.json()["detail"][0]["msg"].lower()


def test_demo_accounts_and_a_job_by_connection(sandbox: SandboxServer) -> None:
    connection_id = _save(sandbox, "facebook", "any-token-works")["connection_id"]
    listed = sandbox.http.get(f"/connections/{connection_id}/ad-accounts").json()["accounts"]
    demo = [{"id": a["account_id"], "name": a["name"]} for a in listed]
    assert {a["id"] for a in demo} >= {"act_123456789", "act_246813579"}

    body = facebook_body("sandbox-by-connection", "Campaign Overview Report", accounts=demo[:2])
    del body["access_token"]
    job = sandbox.wait(sandbox.create({**body, "connection_id": connection_id}))
    assert job["status"] == "SUCCESS", job["message"]
    table = sandbox.table("sandbox-by-connection", "Campaign Overview Report")
    assert len(table) - 1 == job["rows_written"] > 0


def test_demo_tiktok_advertiser_and_store(sandbox: SandboxServer) -> None:
    connection_id = _save(sandbox, "tiktok", "any-token-works")["connection_id"]
    advertisers = sandbox.http.get(f"/connections/{connection_id}/advertisers").json()["advertisers"]
    assert [store["store_id"] for a in advertisers for store in a["stores"]] == [TIKTOK_STORE_ID]


def test_the_unshared_spreadsheet(sandbox: SandboxServer) -> None:
    answer = sandbox.http.post("/sheets/check-access", json={"spreadsheet": UNSHARED_SPREADSHEET_ID})
    assert answer.json()["ok"] is False
    assert answer.json()["message"] == f"Share it with {SERVICE_ACCOUNT_EMAIL} as Editor"
