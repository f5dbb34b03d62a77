"""What `make demo` runs (`marketing-etl serve --sandbox`), started as a process on a free port
from an empty directory, answers the tour's two curl commands as the README prints them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.server import free_port

ROOT = Path(__file__).resolve().parents[2]
_README = (ROOT / "README.md").read_text(encoding="utf-8")
# The tour that opens the README, up to the quickstart: its curl commands must work as printed.
TOUR = _README[_README.index("## Try it in one minute") : _README.index("## Quickstart")]
CLI = Path(sys.executable).parent / "marketing-etl"
_CURL_BODY = re.compile(r"create-job -H 'Content-Type: application/json' -d '(\{.*?\})'", re.S)


def tour_bodies() -> list[dict[str, object]]:
    return [json.loads(body) for body in _CURL_BODY.findall(TOUR)]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANDBOX", "DATABASE", "MONGO", "REDIS"))}
    output = tmp_path / "serve.log"
    with output.open("w") as log:
        process = subprocess.Popen(
            [str(CLI), "serve", "--sandbox", "--port", str(port)],
            cwd=tmp_path,
            env={**env, "DATA_DIR": str(tmp_path / "data")},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, output)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], output: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, output.read_text()
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the sandbox server did not start")


def test_the_tour_has_the_seed_readme_requests() -> None:
    assert [body["task_type"] for body in tour_bodies()] == ["facebook_daily", "product"]
    assert {body["spreadsheet_id"] for body in tour_bodies()} == {"demo"}


def test_the_tour_works_as_printed(demo: str) -> None:
    for body in tour_bodies():
        created = httpx.post(f"{demo}/reports/create-job", json=body)
        assert created.json() == {
            "status": "queued",
            "job_id": body["job_id"],
            "message": "Job accepted and queued.",
        }
    for body in tour_bodies():
        job = _finished(demo, str(body["job_id"]))
        assert job["status"] == "SUCCESS", job["message"]
        assert int(str(job["rows_written"])) > 0
        assert str(job["destination_url"]).startswith(f"{demo}/sandbox/sheets/demo?gid=")
    sheet = httpx.get(f"{demo}/sandbox/sheets/demo").text
    assert "FB_Report" in sheet and "TikTok_Product_Report" in sheet


def _finished(url: str, job_id: str) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while True:
        job: dict[str, object] = httpx.get(f"{url}/reports/{job_id}").json()
        if job["status"] in ("SUCCESS", "FAILED", "CANCELLED") or time.monotonic() > deadline:
            return job
        time.sleep(0.2)
