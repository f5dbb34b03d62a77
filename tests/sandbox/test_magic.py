"""Each magic token (and the unshared spreadsheet) does what docs/sandbox.md says, through the
real clients: the job waits, retries or fails with the real message, and can be retried."""

from __future__ import annotations

import time

import httpx
import pytest

from marketing_etl.sandbox.config import SERVICE_ACCOUNT_EMAIL, UNSHARED_SPREADSHEET_ID
from marketing_etl.sandbox.magic import EXPIRED_TOKEN, FLAKY_TOKEN, THROTTLED_TOKEN
from tests.sandbox.support import SandboxServer, facebook_body, tiktok_body

FB_TEMPLATE = "Campaign Overview Report"


def _facebook(job_id: str, token: str, **overrides: object) -> dict[str, object]:
    return facebook_body(
        job_id, FB_TEMPLATE, task_type="facebook_performance", access_token=token, **overrides
    )


def _statuses(server: SandboxServer, job_id: str) -> list[int | None]:
    return [call.http_status for call in server.sandbox_calls(job_id)]


def test_facebook_throttled_waits_then_finishes(server: SandboxServer) -> None:
    started = time.monotonic()
    job = server.wait(server.create(_facebook("magic-fb-throttled", THROTTLED_TOKEN)))
    assert job["status"] == "SUCCESS", job["message"]
    assert "Waiting for the Facebook rate limit until" in server.logs(job["job_id"])
    # "Regain access in 2 minutes", on the sandbox's clock: 4 seconds.
    assert time.monotonic() - started >= 3.5
    assert 400 in _statuses(server, job["job_id"])


def test_tiktok_throttled_waits_then_finishes(server: SandboxServer) -> None:
    job = server.wait(
        server.create(tiktok_body("magic-tt-throttled", "product", access_token=THROTTLED_TOKEN))
    )
    assert job["status"] == "SUCCESS", job["message"]
    assert "TikTok is throttling" in server.logs(job["job_id"])


@pytest.mark.parametrize("platform", ["facebook", "tiktok"])
def test_flaky_is_retried(server: SandboxServer, platform: str) -> None:
    job_id = f"magic-{platform}-flaky"
    body = (
        _facebook(job_id, FLAKY_TOKEN)
        if platform == "facebook"
        else tiktok_body(job_id, "creative", access_token=FLAKY_TOKEN)
    )
    job = server.wait(server.create(body))
    assert job["status"] == "SUCCESS", job["message"]
    calls = server.sandbox_calls(job_id)
    failed = [c for c in calls if c.error and c.platform == platform]
    assert failed, "the flaky platform never failed"
    assert all(c.http_status == 503 or "50000" in (c.error or "") for c in failed)


@pytest.mark.parametrize("platform", ["facebook", "tiktok"])
def test_expired_token_fails_and_a_new_token_works(server: SandboxServer, platform: str) -> None:
    job_id = f"magic-{platform}-expired"
    body = (
        _facebook(job_id, EXPIRED_TOKEN)
        if platform == "facebook"
        else tiktok_body(job_id, "product", access_token=EXPIRED_TOKEN)
    )
    job = server.wait(server.create(body))
    assert job["status"] == "FAILED"
    assert ("expired" if platform == "facebook" else "revoked") in job["message"]
    retry = server.http.post(f"/reports/{job_id}/retry", json={"access_token": "a-fresh-token"})
    assert retry.status_code == 200, retry.text
    assert server.wait(job_id)["status"] == "SUCCESS"


def test_unshared_spreadsheet_fails_until_shared(server: SandboxServer) -> None:
    job_id = "magic-unshared"
    job = server.wait(server.create(_facebook(job_id, "any", spreadsheet_id=UNSHARED_SPREADSHEET_ID)))
    assert job["status"] == "FAILED"
    assert f"Share the spreadsheet with {SERVICE_ACCOUNT_EMAIL} as Editor" in job["message"]
    shared = server.http.post(f"/sandbox/sheets/{UNSHARED_SPREADSHEET_ID}/share")
    assert shared.status_code == 303
    assert server.http.post(f"/reports/{job_id}/retry").status_code == 200
    assert server.wait(job_id)["status"] == "SUCCESS"
    assert server.table(UNSHARED_SPREADSHEET_ID, FB_TEMPLATE)[0][0] == "campaign_id"


def test_an_account_the_demo_lacks_is_refused_like_facebook_does(server: SandboxServer) -> None:
    body = _facebook("magic-unknown-account", "any", accounts=[{"id": "act_555", "name": "Not mine"}])
    job = server.wait(server.create(body))
    assert job["status"] == "FAILED"
    assert "act_555" in job["message"]


def test_normal_tokens_are_not_slowed_by_a_throttled_job(server: SandboxServer) -> None:
    server.create(_facebook("magic-slow", THROTTLED_TOKEN, spreadsheet_id="magic-slow"))
    started = time.monotonic()
    job = server.wait(server.create(_facebook("magic-fast", "a-normal-token", spreadsheet_id="magic-fast")))
    assert job["status"] == "SUCCESS"
    assert time.monotonic() - started < 3
    server.wait("magic-slow")


def test_the_fakes_answer_only_through_the_mount(server: SandboxServer) -> None:
    assert httpx.get(f"{server.url}/v25.0/act_123456789").status_code == 404
