"""MAX_REQUEST_BYTES on a real server: a body over it, declared or streamed, answers 413 naming the
limit and the setting and stores nothing; a body at the limit is a job like any other; responses
(file downloads, the live log) are never counted."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from marketing_etl.api.body_limit import BodyLimit
from marketing_etl.models import FINISHED_STATUSES
from marketing_etl.settings import Settings
from tests.api.helpers import DASH_AUTH, fb_body, make_settings
from tests.api.served import JSON, Served, chunks, padded, serving
from tests.fakes.server import serve_app
from tests.sandbox.support import serve_sandbox, tiktok_body

MB = 1_048_576


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(make_settings(tmp_path_factory.mktemp("limits"))) as running:
        yield running


def create(served: Served, data: bytes | Iterator[bytes]) -> tuple[int, str]:
    response = served.http.post("/reports/create-job", content=data, headers=JSON)
    return response.status_code, response.text


def test_the_default_limit_is_one_megabyte() -> None:
    assert Settings(_env_file=None).max_request_bytes == MB


def test_a_declared_2_mb_body_is_refused_with_413_and_nothing_is_stored(served: Served) -> None:
    body = fb_body()
    response = served.http.post("/reports/create-job", content=padded(body, 2 * MB), headers=JSON)
    assert response.request.headers["content-length"] == str(2 * MB)
    assert response.status_code == 413, response.text
    assert response.json() == {
        "detail": "The request body is 2,097,152 bytes; this server accepts at most 1,048,576 "
        "(MAX_REQUEST_BYTES)."
    }
    assert not served.stored(body["job_id"])


def test_a_chunked_body_without_length_is_cut_off_at_the_limit(served: Served) -> None:
    body = fb_body()
    response = served.http.post("/reports/create-job", content=chunks(padded(body, 2 * MB)), headers=JSON)
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413, response.text
    assert response.json() == {
        "detail": "The request body is more than 1,048,576 bytes; this server accepts at most "
        "1,048,576 (MAX_REQUEST_BYTES)."
    }
    assert not served.stored(body["job_id"])


def test_one_byte_over_is_refused_either_way(served: Served) -> None:
    declared, streamed = fb_body(), fb_body()
    assert create(served, padded(declared, MB + 1))[0] == 413
    assert create(served, chunks(padded(streamed, MB + 1)))[0] == 413
    assert not served.stored(declared["job_id"]) and not served.stored(streamed["job_id"])


def test_bodies_at_and_just_under_the_limit_are_jobs(served: Served) -> None:
    for size in (MB, MB - 1):
        declared, streamed = fb_body(), fb_body()
        assert create(served, padded(declared, size)) == (200, create_ok(declared["job_id"]))
        assert create(served, chunks(padded(streamed, size))) == (200, create_ok(streamed["job_id"]))
        assert served.stored(declared["job_id"]) and served.stored(streamed["job_id"])


def create_ok(job_id: str) -> str:
    return f'{{"status":"queued","job_id":"{job_id}","message":"Job accepted and queued."}}'


def test_other_routes_are_limited_too(served: Served) -> None:
    job_id = served.http.post("/reports/create-job", json=fb_body()).json()["job_id"]
    retry = served.http.post(f"/reports/{job_id}/retry", content=padded({}, 2 * MB), headers=JSON)
    assert retry.status_code == 413 and "MAX_REQUEST_BYTES" in retry.json()["detail"]
    schedule = served.http.post("/schedules", content=chunks(padded({}, 2 * MB)), headers=JSON)
    assert schedule.status_code == 413 and "MAX_REQUEST_BYTES" in schedule.json()["detail"]
    assert served.services.store.schedules.all() == []


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    monkeypatch.setenv("MAX_REQUEST_BYTES", "4096")
    settings = make_settings(tmp_path)
    assert settings.max_request_bytes == 4096
    with serving(settings) as running:
        yield running


def test_the_setting_moves_the_limit(small: Served) -> None:
    over, at = fb_body(), fb_body()
    status, text = create(small, padded(over, 4097))
    assert status == 413
    assert "is 4,097 bytes; this server accepts at most 4,096 (MAX_REQUEST_BYTES)" in text
    assert create(small, padded(at, 4096))[0] == 200
    assert not small.stored(over["job_id"]) and small.stored(at["job_id"])


def test_responses_larger_than_the_limit_are_not_cut(small: Served) -> None:
    body = fb_body(destination="csv", template_name="rows=400")
    body.pop("spreadsheet_id")
    job_id = body["job_id"]
    assert small.http.post("/reports/create-job", json=body).status_code == 200
    wait_finished(small, job_id)
    download = small.http.get(f"/reports/{job_id}/download")
    assert download.status_code == 200
    assert len(download.content) > 4096
    assert download.text.count("\n") == 401  # the header and every row

    stream = small.http.get(f"/api/dashboard/jobs/{job_id}/log/stream", auth=DASH_AUTH)
    assert stream.status_code == 200
    assert "event: log" in stream.text and "event: end" in stream.text


def wait_finished(served: Served, job_id: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while (status := served.http.get(f"/reports/{job_id}").json()["status"]) not in FINISHED_STATUSES:
        assert time.monotonic() < deadline, f"job {job_id} still {status} after {timeout_s} s"
        time.sleep(0.05)
    assert status == "SUCCESS"


def test_the_limit_has_a_floor() -> None:
    with pytest.raises(ValidationError, match="max_request_bytes"):
        Settings(_env_file=None, max_request_bytes=100)


async def _echo_size(request: Request) -> JSONResponse:
    return JSONResponse({"bytes": len(await request.body())})


def test_exempt_paths_are_not_counted() -> None:
    # The sandbox's simulated Sheets API is mounted this way: it takes the writer's big chunks.
    routes = [Route(path, _echo_size, methods=["POST"]) for path in ("/sandbox/echo", "/echo")]
    inner = Starlette(routes=routes)
    app = BodyLimit(inner, max_bytes=1024, exempt_prefixes=("/sandbox",))
    with serve_app(app) as url, httpx.Client(base_url=url) as http:
        assert http.post("/sandbox/echo", content=b"x" * 5000).json() == {"bytes": 5000}
        assert http.post("/echo", content=b"x" * 5000).status_code == 413
        assert http.post("/echo", content=chunks(b"x" * 5000, 512)).status_code == 413
        assert http.post("/echo", content=b"x" * 1024).json() == {"bytes": 1024}


def test_the_sandbox_platforms_take_bodies_over_the_limit(tmp_path: Path) -> None:
    # The report's values reach the simulated Sheets API in one write far larger than 1 KB.
    with serve_sandbox(tmp_path, max_request_bytes=1024) as sandbox:
        job_id = sandbox.create(tiktok_body("limits-sandbox", "product"))
        job = sandbox.wait(job_id)
        assert job["status"] == "SUCCESS", job
        written = sandbox.table(job_id, "TikTok product")
        assert len(json.dumps(written, default=str)) > 1024
        assert job["rows_written"] == len(written) - 1
        refused = sandbox.http.post("/reports/create-job", content=padded(fb_body(), 1025), headers=JSON)
        assert refused.status_code == 413
