"""/api/dashboard and /api/dashboard/logs/{job_id}."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from marketing_etl.job_spec import JobSpec
from marketing_etl.models import ApiCall, Job, JobStatus
from tests.api.helpers import BOTH_BACKENDS, DASH_AUTH, Api, fb_body, hours_ago, tt_body

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (INFO|WARNING|ERROR) \[attempt \d+\] .+")


def seed_job(api: Api, job_id: str, status: JobStatus, age_h: float, **spec: Any) -> None:
    """A finished job stored directly, created `age_h` hours ago (finished ones are never run)."""
    body = (tt_body if spec.get("task_type") == "product" else fb_body)(job_id=job_id, **spec)
    job_spec = JobSpec.model_validate(body)
    created = hours_ago(age_h)
    job = Job(
        job_id=job_id,
        spec=job_spec,
        fingerprint=job_spec.fingerprint(),
        status=status,
        created_at=created,
        started_at=created + timedelta(seconds=1),
        finished_at=created + timedelta(seconds=31),
        message=f"{status.value} message",
    )
    assert api.services.store.insert_job(job)


@pytest.fixture
def seeded(api: Api) -> Api:
    seed_job(
        api,
        "d-fb-ok-1",
        JobStatus.SUCCESS,
        1,
        template_name="Campaign Overview Report",
        sheet_name="Weekly Spend",
    )
    seed_job(api, "d-fb-ok-2", JobStatus.SUCCESS, 30, template_name="Ad Daily Report")
    seed_job(
        api,
        "d-fb-fail",
        JobStatus.FAILED,
        2,
        template_name="Ad Daily Report",
        user_email="anna@brand.example.com",
    )
    seed_job(api, "d-tt-fail", JobStatus.FAILED, 3, task_type="product")
    seed_job(api, "d-tt-cancel", JobStatus.CANCELLED, 4, task_type="product")
    seed_job(api, "d-old", JobStatus.SUCCESS, 24 * 10)
    seed_job(api, "d-ancient", JobStatus.FAILED, 24 * 40)
    return api


def dashboard(api: Api, **params: Any) -> dict[str, Any]:
    response = api.client.get("/api/dashboard", params=params, auth=DASH_AUTH)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def ids(data: dict[str, Any]) -> list[str]:
    return [job["job_id"] for job in data["jobs"]]


@BOTH_BACKENDS
def test_counts_and_time_ranges(seeded: Api) -> None:
    week = dashboard(seeded)
    assert week["time_range"] == "7d"
    assert week["total"] == 5
    assert week["counts_by_status"] == {"QUEUED": 0, "RUNNING": 0, "SUCCESS": 2, "FAILED": 2, "CANCELLED": 1}
    assert week["counts_by_task_type"] == {
        "facebook_daily": 3,
        "facebook_performance": 0,
        "facebook_breakdown": 0,
        "product": 2,
        "creative": 0,
    }
    assert dashboard(seeded, time_range="24h")["total"] == 4
    assert dashboard(seeded, time_range="30d")["total"] == 6
    everything = dashboard(seeded, time_range="all")
    assert everything["total"] == 7 and everything["counts_by_status"]["FAILED"] == 3


@BOTH_BACKENDS
def test_filters_and_search(seeded: Api) -> None:
    assert set(ids(dashboard(seeded, status="FAILED"))) == {"d-fb-fail", "d-tt-fail"}
    failed = dashboard(seeded, status="FAILED")
    assert failed["counts_by_status"]["SUCCESS"] == 2  # the counts cover the time range, not the filters
    assert set(ids(dashboard(seeded, task_type="product"))) == {"d-tt-fail", "d-tt-cancel"}
    assert set(ids(dashboard(seeded, template_name="Ad Daily Report"))) == {"d-fb-ok-2", "d-fb-fail"}
    assert ids(dashboard(seeded, q="anna@brand")) == ["d-fb-fail"]
    assert ids(dashboard(seeded, q="weekly spend")) == ["d-fb-ok-1"]
    assert set(ids(dashboard(seeded, q="d-tt"))) == {"d-tt-fail", "d-tt-cancel"}
    assert dashboard(seeded, q="nothing-matches")["jobs"] == []


def test_pagination_and_sort(seeded: Api) -> None:
    newest_first = ids(dashboard(seeded))
    assert newest_first == ["d-fb-ok-1", "d-fb-fail", "d-tt-fail", "d-tt-cancel", "d-fb-ok-2"]
    page2 = dashboard(seeded, page=2, page_size=2)
    assert (ids(page2), page2["total"], page2["page"], page2["page_size"]) == (newest_first[2:4], 5, 2, 2)
    assert dashboard(seeded, page=9, page_size=2)["jobs"] == []
    assert ids(dashboard(seeded, sort="job_id")) == sorted(newest_first)
    assert ids(dashboard(seeded, sort="-job_id")) == sorted(newest_first, reverse=True)
    for bad in (
        {"sort": "password"},
        {"page_size": 501},
        {"page": 0},
        {"page": 1_000_001},
        {"page": 10**19},  # used to overflow the SQL OFFSET: a 500
        {"time_range": "1y"},
        {"status": "DONE"},
    ):
        response = seeded.client.get("/api/dashboard", params=bad, auth=DASH_AUTH)
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["loc"] == ["query", next(iter(bad))]


def test_the_last_allowed_page_is_empty_not_an_error(seeded: Api) -> None:
    assert dashboard(seeded, page=1_000_000, page_size=500)["jobs"] == []


def test_original_compatibility_keys(seeded: Api) -> None:
    data = dashboard(seeded, page_size=3)
    assert [entry["job_id"] for entry in data["task_logs"]] == ids(data)
    entry = data["task_logs"][0]
    assert set(entry) == {
        "job_id",
        "task_type",
        "user_email",
        "status",
        "start_time",
        "end_time",
        "duration_seconds",
        "message",
        "template_name",
        "accounts",
        "advertiser_id",
        "store_id",
    }
    assert entry["duration_seconds"] == 30.0
    assert entry["start_time"].endswith("Z") and "+00:00" not in entry["start_time"]
    assert entry["accounts"] == [{"id": "act_123456", "name": "Main account"}]


def test_api_call_counts_and_timeseries(api: Api) -> None:
    seed_job(api, "d-calls", JobStatus.SUCCESS, 1)
    calls = [
        ("/insights", 0.1),
        ("/insights", 2.5),
        ("/reports", 5),
        ("/insights", 24 * 3),
        ("/reports", 24 * 20),
    ]
    api.services.store.record_api_calls(
        [
            ApiCall(
                job_id="d-calls",
                ts=hours_ago(age),
                platform="facebook",
                endpoint=endpoint,
                http_status=200,
                duration_ms=12.0,
            )
            for endpoint, age in calls
        ]
    )
    week = dashboard(api)
    assert week["api_total_counts"] == {"/insights": 3, "/reports": 1}
    assert dashboard(api, time_range="all")["api_total_counts"] == {"/insights": 3, "/reports": 2}
    assert dashboard(api, time_range="24h")["api_total_counts"] == {"/insights": 2, "/reports": 1}

    series = week["api_timeseries"]
    assert set(series) == {"/insights", "/reports"}
    assert [sum(p["count"] for p in series[name]) for name in ("/insights", "/reports")] == [2, 1]
    stamps = [datetime.fromisoformat(p["timestamp"]) for p in series["/insights"]]
    assert len(stamps) == 24
    assert all(later - earlier == timedelta(hours=1) for earlier, later in itertools.pairwise(stamps))
    assert timedelta(0) <= datetime.now(UTC) - stamps[-1] < timedelta(hours=1)


def test_logs_endpoint(api: Api) -> None:
    job_id = api.start(fb_body(template_name="rows=2"))
    api.wait(job_id, "SUCCESS")
    response = api.client.get(f"/api/dashboard/logs/{job_id}", auth=DASH_AUTH)
    assert response.status_code == 200
    assert response.json()["job_id"] == job_id
    lines = response.json()["logs"].splitlines()
    assert lines and all(LOG_LINE.match(line) for line in lines), lines
    assert "Job accepted" in lines[0] and "Wrote 2 rows" in lines[-1]

    missing = api.client.get("/api/dashboard/logs/no-such-job", auth=DASH_AUTH)
    assert missing.status_code == 404
    assert "Log not found." in missing.json()["detail"]
