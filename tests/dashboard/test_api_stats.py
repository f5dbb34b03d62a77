"""/api/dashboard/summary, /facebook, /tiktok, and the jobs list's user filter."""

from __future__ import annotations

from typing import Any

import pytest

from marketing_etl.models import JobStatus, utcnow
from marketing_etl.ratelimit import next_utc_midnight
from marketing_etl.sources.tiktok.quota import ReportQuota
from tests.api.helpers import BOTH_BACKENDS, DASH_AUTH, Api
from tests.dashboard.support import fb_call, seed_job, tt_call

ANNA = "anna@brand.example.com"
BEN = "ben@brand.example.com"


def get(api: Api, path: str, **params: Any) -> dict[str, Any]:
    response = api.client.get(f"/api/dashboard{path}", params=params, auth=DASH_AUTH)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


@pytest.fixture
def seeded(api: Api) -> Api:
    s = api.services
    seed_job(s, "fb-1", JobStatus.SUCCESS, 1, user_email=ANNA, template_name="Ad Daily Report")
    seed_job(s, "fb-2", JobStatus.FAILED, 2, user_email=ANNA, template_name="Ad Daily Report")
    seed_job(s, "fb-3", JobStatus.FAILED, 3, user_email=BEN, template_name="Campaign Overview Report")
    seed_job(s, "fb-run", JobStatus.RUNNING, 0.5, user_email=BEN, template_name="Ad Daily Report")
    seed_job(s, "tt-1", JobStatus.SUCCESS, 4, task_type="product", user_email=ANNA)
    seed_job(s, "tt-2", JobStatus.CANCELLED, 5, task_type="creative", user_email=ANNA)
    seed_job(s, "old", JobStatus.FAILED, 24 * 10, user_email="old@example.com")
    return api


@BOTH_BACKENDS
def test_summary_cards_and_top_users(seeded: Api) -> None:
    data = get(seeded, "/summary")
    jobs = data["jobs"]
    assert (jobs["total"], jobs["succeeded"], jobs["distinct_users"]) == (6, 2, 2)
    assert jobs["success_rate_pct"] == 40.0  # 2 of the 5 finished jobs; the running one is not counted
    assert jobs["avg_duration_s"] == 40.0  # seeded finished jobs ran 40 s each
    assert jobs["rows_written"] == 240
    assert jobs["counts_by_status"] == {"QUEUED": 0, "RUNNING": 1, "SUCCESS": 2, "FAILED": 2, "CANCELLED": 1}
    assert jobs["counts_by_task_type"]["product"] == 1 and jobs["counts_by_task_type"]["creative"] == 1
    assert jobs["counts_by_template"]["Ad Daily Report"] == 3
    assert data["top_users"] == [{"user_email": ANNA, "count": 4}, {"user_email": BEN, "count": 2}]
    assert data["top_failed_users"] == [{"user_email": ANNA, "count": 1}, {"user_email": BEN, "count": 1}]

    everything = get(seeded, "/summary", time_range="all")
    assert everything["jobs"]["total"] == 7
    assert everything["top_failed_users"][-1] == {"user_email": "old@example.com", "count": 1}


def test_summary_on_an_empty_store(api: Api) -> None:
    jobs = get(api, "/summary", time_range="24h")["jobs"]
    assert (jobs["total"], jobs["success_rate_pct"], jobs["avg_duration_s"]) == (0, None, None)


def test_call_timeline_per_platform_and_endpoint(seeded: Api) -> None:
    seeded.services.store.record_api_calls(
        [
            fb_call("fb-1", 0.2, "/insights"),
            fb_call("fb-1", 0.3, "/insights"),
            fb_call("fb-1", 2.2, "/ads"),
            tt_call("tt-1", 0.2, "/gmv_max/report/get/"),
            tt_call("tt-1", 24 * 3, "/gmv_max/report/get/"),
        ]
    )
    day = get(seeded, "/summary", time_range="24h")["api_calls"]
    assert day["bucket_s"] == 3600 and len(day["buckets"]) == 25  # the partial hours at both ends
    series = {(s["platform"], s["endpoint"]): s for s in day["series"]}
    assert {key: s["total"] for key, s in series.items()} == {
        ("facebook", "/ads"): 1,
        ("facebook", "/insights"): 2,
        ("tiktok", "/gmv_max/report/get/"): 1,
    }
    assert sum(series[("facebook", "/insights")]["counts"][-2:]) == 2  # within the last hour
    week = get(seeded, "/summary")["api_calls"]
    assert len(week["buckets"]) == 7 * 24 + 1
    month = get(seeded, "/summary", time_range="30d")["api_calls"]
    assert month["bucket_s"] == 86400 and len(month["buckets"]) == 31
    assert sum(s["total"] for s in month["series"]) == 5


@BOTH_BACKENDS
def test_facebook_usage_buckets_take_percentages_as_recorded(seeded: Api) -> None:
    calls = [
        fb_call("fb-1", 0.1, app_usage_pct=12),
        # 0.9 means 0.9 %, not 90 % (the original multiplied by 100: its bug 8).
        fb_call("fb-1", 0.1, app_usage_pct=0.9),
        fb_call("fb-1", 0.1, app_usage_pct=75),
        fb_call("fb-1", 0.1, app_usage_pct=20, acc_id_util_pct=95),
        fb_call("fb-1", 0.1, app_usage_pct=20, total_cputime=95.5, wait_s=120),
        fb_call("fb-1", 0.1, call_count="100", estimated_time_to_regain_access=14, wait_s=60.5),
        fb_call("fb-1", 0.1, app_usage_pct="n/a", ads_api_access_tier="standard_access"),
        fb_call("fb-1", 0.1),
        fb_call("fb-1", 24 * 9, app_usage_pct=99),  # outside the 7 days
    ]
    seeded.services.store.record_api_calls([*calls, tt_call("tt-1", 0.1, "/gmv_max/report/get/")])
    data = get(seeded, "/facebook")
    assert data["api_calls"] == 8
    assert data["usage_buckets"] == {"safe": 2, "warning": 2, "critical": 2, "unknown": 2}
    assert data["total_wait_s"] == 180.5
    assert data["max_regain_min"] == 14
    jobs = data["jobs"]
    assert jobs["total"] == 4 and set(jobs["counts_by_task_type"]) == {
        "facebook_daily",
        "facebook_performance",
        "facebook_breakdown",
    }
    assert jobs["counts_by_template"] == {"Ad Daily Report": 3, "Campaign Overview Report": 1}


def test_tiktok_totals_and_mix(seeded: Api) -> None:
    seeded.services.store.record_api_calls(
        [
            tt_call("tt-1", 0.1, "/gmv_max/report/get/"),
            tt_call("tt-1", 0.2, "/gmv_max/report/get/"),
            tt_call("tt-1", 1.1, "/gmv_max/campaign/get/"),
            fb_call("fb-1", 0.1),
        ]
    )
    data = get(seeded, "/tiktok", time_range="24h")
    assert data["api_totals"] == {"/gmv_max/report/get/": 2, "/gmv_max/campaign/get/": 1}
    assert data["jobs"]["counts_by_task_type"] == {"product": 1, "creative": 1}
    assert {s["endpoint"] for s in data["api_timeline"]["series"]} == set(data["api_totals"])


def test_tiktok_tab_shows_todays_report_calls_against_the_daily_quota(api: Api) -> None:
    quota = ReportQuota(api.services.settings)
    before = get(api, "/tiktok")["report_quota"]["used"]
    for _ in range(3):
        quota.take()
    shown = get(api, "/tiktok")["report_quota"]
    midnight = next_utc_midnight(utcnow()).isoformat().replace("+00:00", "Z")
    assert shown == {"used": before + 3, "limit": 20_000, "resets_at": midnight}


def test_jobs_list_filters_by_user(seeded: Api) -> None:
    mine = get(seeded, "", user_email=ANNA)
    assert {job["job_id"] for job in mine["jobs"]} == {"fb-1", "fb-2", "tt-1", "tt-2"}
    failed = get(seeded, "", user_email=ANNA, status="FAILED")
    assert [job["job_id"] for job in failed["jobs"]] == ["fb-2"]


def test_the_compatible_list_stays_small(seeded: Api) -> None:
    data = get(seeded, "", page_size=2)
    assert len(data["task_logs"]) == 2 and data["total"] == 6
    assert all("full_logs" not in entry and "logs" not in entry for entry in data["task_logs"])
    for key in ("task_logs", "api_total_counts", "api_timeseries", "jobs", "counts_by_status"):
        assert key in data
