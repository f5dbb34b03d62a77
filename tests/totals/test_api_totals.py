"""Where a mismatch shows outside the job's message: GET /reports/{job_id}, the dashboard's job
page endpoint and overview, and /metrics — read through the real app over the job's store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marketing_etl.api.app import create_app
from marketing_etl.models import JobStatus
from tests.facebook.conftest import Outcome
from tests.totals.conftest import AUTH


@pytest.fixture
def client(mismatched: tuple[Outcome, str]) -> Iterator[TestClient]:
    services = mismatched[0].services
    with TestClient(create_app(services.settings, services=services)) as client:
        yield client


def test_get_report_carries_the_checks_summary(client: TestClient, mismatched: tuple[Outcome, str]) -> None:
    outcome, account = mismatched
    body = client.get(f"/reports/{outcome.job.job_id}").json()

    assert body["status"] == JobStatus.SUCCESS.value
    summary = body["totals_check"]
    assert summary["outcome"] == "mismatch" and summary["mismatched"] == 1
    assert summary["compared"] == 5 * len(outcome.job.spec.accounts)
    [mismatch] = summary["mismatches"]
    assert (mismatch["account"], mismatch["metric"], mismatch["matches"]) == (account, "spend", False)
    assert float(mismatch["platform_total"]) > float(mismatch["report_total"]) > 0
    assert summary["notes"] == [
        "Reach and frequency count people, who are not additive over rows: not compared."
    ]


def test_dashboard_job_page_gets_every_comparison(
    client: TestClient, mismatched: tuple[Outcome, str]
) -> None:
    outcome, account = mismatched
    response = client.get(f"/api/dashboard/jobs/{outcome.job.job_id}/totals-check", auth=AUTH)

    assert response.status_code == 200, response.text
    rows = response.json()["comparisons"]
    assert len(rows) == 5 * len(outcome.job.spec.accounts)
    assert [(r["account"], r["metric"]) for r in rows if not r["matches"]] == [(account, "spend")]
    assert client.get("/api/dashboard/jobs/nope/totals-check", auth=AUTH).status_code == 404


def test_overview_and_metrics_count_the_mismatching_job(client: TestClient) -> None:
    summary = client.get("/api/dashboard/summary", auth=AUTH)
    metrics = client.get("/metrics").text

    assert summary.status_code == 200, summary.text
    assert summary.json()["totals_mismatches"] == 1
    assert "marketing_etl_totals_mismatch_jobs 1.0" in metrics
