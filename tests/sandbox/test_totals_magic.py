"""The SANDBOX_MISMATCH magic token: the simulated platforms' account totals differ from the
rows, so the totals check flags the job (SUCCESS with a warning, ⚠ in the API); any other token
gets matching totals."""

from __future__ import annotations

from marketing_etl.sandbox.magic import MISMATCH_TOKEN
from tests.sandbox.support import SandboxServer, facebook_body, tiktok_body

FIELDS = ["account_id", "campaign_name", "spend", "impressions", "clicks"]


def _facebook(job_id: str, token: str) -> dict[str, object]:
    return facebook_body(
        job_id,
        "Campaign Overview Report",
        task_type="facebook_performance",
        access_token=token,
        selected_fields=FIELDS,
    )


def test_facebook_mismatch_is_flagged_and_a_normal_token_matches(server: SandboxServer) -> None:
    flagged = server.wait(server.create(_facebook("magic-totals-fb", MISMATCH_TOKEN)))
    normal = server.wait(server.create(_facebook("magic-totals-fb-ok", "any-token-works")))

    assert flagged["status"] == normal["status"] == "SUCCESS", flagged["message"]
    for account in ("act_123456789", "act_246813579"):
        assert f"Totals check: spend for {account} is " in flagged["message"]
    summary = flagged["totals_check"]
    assert summary["outcome"] == "mismatch" and summary["mismatched"] == 2
    assert {m["metric"] for m in summary["mismatches"]} == {"spend"}
    assert normal["totals_check"]["outcome"] == "match" and "Totals check" not in normal["message"]


def test_tiktok_product_mismatch_is_flagged(server: SandboxServer) -> None:
    job = server.wait(server.create(tiktok_body("magic-totals-tt", "product", access_token=MISMATCH_TOKEN)))

    assert job["status"] == "SUCCESS", job["message"]
    assert "Totals check: cost for 123456789 is " in job["message"]
    assert job["totals_check"]["outcome"] == "mismatch"


def test_tiktok_creative_mismatch_is_flagged_and_a_normal_token_matches(server: SandboxServer) -> None:
    flagged = server.wait(
        server.create(tiktok_body("magic-totals-tc", "creative", access_token=MISMATCH_TOKEN))
    )
    normal = server.wait(server.create(tiktok_body("magic-totals-tc-ok", "creative")))

    assert flagged["status"] == normal["status"] == "SUCCESS", (flagged["message"], normal["message"])
    assert "Totals check: cost for 123456789 is " in flagged["message"]
    assert flagged["totals_check"]["outcome"] == "mismatch"
    assert normal["totals_check"]["outcome"] == "match" and "Totals check" not in normal["message"]
