"""The deploy nginx configuration, for real: Debian's nginx on loopback in front of the app.

Skips with the reason when nginx or htpasswd is not installed; fails with REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.helpers import Api, make_settings, running_api
from tests.executors.support import job_body
from tests.fakes.server import serve_app
from tests.production.nginx_rig import add_user, nginx_in_front

LOGIN = ("ops", "correct horse battery")
SECOND = ("ana", "another-password")


@dataclass
class Proxied:
    api: Api
    url: str
    http: httpx.Client


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[Proxied]:
    htpasswd = tmp_path / ".htpasswd"
    add_user(htpasswd, *LOGIN)
    add_user(htpasswd, *SECOND)
    settings = make_settings(
        tmp_path, dashboard_username=None, dashboard_password=None, dashboard_htpasswd=htpasswd,
        embedded_scheduler=False,
    )
    with (
        running_api(settings) as api,
        serve_app(api.client.app) as app_url,
        nginx_in_front(app_url, htpasswd, tmp_path / "nginx") as url,
        httpx.Client(base_url=url, timeout=10) as http,
    ):
        yield Proxied(api, url, http)


def test_dashboard_paths_need_the_htpasswd_login(proxied: Proxied) -> None:
    http = proxied.http
    for path in ("/dashboard", "/dashboard/", "/api/dashboard", "/api/dashboard/logs/none", "/metrics"):
        refused = http.get(path)
        assert refused.status_code == 401, path
        assert refused.headers["www-authenticate"].startswith("Basic realm="), path
        assert http.get(path, auth=(LOGIN[0], "wrong")).status_code == 401, path
    assert http.get("/dashboard", auth=LOGIN).status_code == 200
    assert http.get("/api/dashboard", auth=LOGIN).json()["total"] == 0
    # Every bcrypt line of the file works, in nginx and in the app behind it alike.
    assert http.get("/api/dashboard", auth=SECOND).status_code == 200
    metrics = http.get("/metrics", auth=LOGIN)
    assert metrics.status_code == 200 and "marketing_etl_queue_depth 0" in metrics.text


def test_reports_schedules_and_health_are_not_behind_the_login(proxied: Proxied) -> None:
    http = proxied.http
    assert http.get("/healthz").json()["status"] == "ok"
    assert http.get("/reports/unknown-job").status_code == 404  # the app answered, not nginx
    created = http.post("/reports/create-job", json=job_body("via-nginx", "rows=2"))
    assert created.status_code == 200, created.text
    assert http.get("/schedules").json() == {"schedules": []}
    assert http.get("/docs").status_code == 200


def test_json_is_gzipped(proxied: Proxied) -> None:
    response = proxied.http.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("content-encoding") == "gzip"
    assert response.json()["info"]["title"] == "Marketing ETL Pipeline"


def test_server_sent_events_stream_through_unbuffered(proxied: Proxied) -> None:
    job_id = "sse-through-nginx"
    created = proxied.http.post("/reports/create-job", json=job_body(job_id, "rows=60;delay_ms=100"))
    assert created.status_code == 200, created.text
    path = f"/api/dashboard/jobs/{job_id}/log/stream"
    started = time.monotonic()
    with proxied.http.stream("GET", path, auth=LOGIN, headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert "content-encoding" not in response.headers
        seen = ""
        for chunk in response.iter_text():
            seen += chunk
            if "event: job" in seen and "event: log" in seen:
                break
        elapsed = time.monotonic() - started
    # The job runs for about 6 s and the stream stays open while it does: events that arrive
    # within a second or two came through as they were written, not when the response ended.
    assert "event: job" in seen and "event: log" in seen
    assert elapsed < 3, f"first events took {elapsed:.1f} s"
    proxied.api.wait(job_id, "RUNNING", "SUCCESS")
