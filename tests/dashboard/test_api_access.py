"""Who may see the dashboard: every page, file and endpoint needs the login; actions need the
X-Dashboard header; files come only from the dashboard's own folder."""

from __future__ import annotations

import pytest

from marketing_etl.models import JobStatus
from tests.api.helpers import DASH_AUTH, Api
from tests.dashboard.support import seed_job

GETS = [
    "/dashboard",
    "/dashboard/jobs/some-job",
    "/dashboard/assets/js/app.js",
    "/dashboard/assets/vendor/chart.umd.min.js",
    "/api/dashboard",
    "/api/dashboard/summary",
    "/api/dashboard/facebook",
    "/api/dashboard/tiktok",
    "/api/dashboard/jobs/some-job",
    "/api/dashboard/jobs/some-job/api-usage",
    "/api/dashboard/jobs/some-job/log.txt",
    "/api/dashboard/jobs/some-job/log/stream",
    "/api/dashboard/logs/some-job",
]
POSTS = ["/api/dashboard/jobs/some-job/cancel", "/api/dashboard/jobs/some-job/retry"]


@pytest.mark.parametrize("auth", [None, ("admin", "wrong"), ("someone", DASH_AUTH[1])])
def test_everything_needs_the_login(api: Api, auth: tuple[str, str] | None) -> None:
    seed_job(api.services, "some-job", JobStatus.FAILED, 1)
    for path in GETS:
        response = api.client.get(path, auth=auth)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"].startswith("Basic")
    for path in POSTS:
        assert api.client.post(path, auth=auth, headers={"X-Dashboard": "1"}).status_code == 401, path


def test_page_and_files(api: Api) -> None:
    page = api.client.get("/dashboard", auth=DASH_AUTH)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    # No third-party host anywhere: the page must work offline.
    assert "http" not in page.text.replace("http-equiv", "")
    shared = api.client.get("/dashboard/jobs/any-job-id", auth=DASH_AUTH)
    assert shared.status_code == 200 and shared.text == page.text

    script = api.client.get("/dashboard/assets/js/app.js", auth=DASH_AUTH)
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    chart = api.client.get("/dashboard/assets/vendor/chart.umd.min.js", auth=DASH_AUTH)
    assert chart.status_code == 200 and "Chart.js v4" in chart.text[:200]
    assert api.client.get("/dashboard/assets/vendor/chart.js.LICENSE.md", auth=DASH_AUTH).status_code == 200

    slash = api.client.get("/dashboard/", auth=DASH_AUTH, follow_redirects=False)
    assert slash.status_code == 308 and slash.headers["location"] == "/dashboard"


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/assets/../../api/app.py",
        "/dashboard/assets/%2e%2e/%2e%2e/api/app.py",
        "/dashboard/assets/..%2f..%2fapi%2fapp.py",
        "/dashboard/assets/../__init__.py",
        "/dashboard/assets/js",
        "/dashboard/assets/missing.js",
    ],
)
def test_no_file_outside_the_dashboard_folder(api: Api, path: str) -> None:
    response = api.client.get(path, auth=DASH_AUTH)
    assert response.status_code == 404, response.text[:200]


def test_actions_need_the_dashboard_header(api: Api) -> None:
    seed_job(api.services, "some-job", JobStatus.FAILED, 1)
    for path in POSTS:
        # A cross-site form can post with the browser's saved login, but cannot add a header.
        response = api.client.post(path, auth=DASH_AUTH)
        assert response.status_code == 403, path
        assert "X-Dashboard" in response.json()["detail"]
    assert api.services.store.get_job("some-job").status is JobStatus.FAILED  # type: ignore[union-attr]
