"""CSV / XLSX outputs through the HTTP API, the download endpoint, and the create-job check of
the Google setup."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from marketing_etl.destinations import register as register_destinations
from marketing_etl.job_spec import JobRequest
from marketing_etl.models import Job
from marketing_etl.plugins import Plugins
from tests.api.helpers import DASH_AUTH, Api, fb_body, make_settings, running_api
from tests.plugins import ScriptedSource


def _plugins() -> Plugins:
    plugins = Plugins()
    register_destinations(plugins)
    plugins.sources.register(ScriptedSource("facebook", ("facebook_daily",)))
    return plugins


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    settings = make_settings(tmp_path, google_credentials_path=tmp_path / "missing.json")
    with running_api(settings, _plugins()) as running:
        yield running


def _file_body(destination: str, script: str = "rows=3") -> dict[str, object]:
    body = fb_body(destination=destination, template_name=script)
    body.pop("spreadsheet_id")
    return body


def test_xlsx_file_has_header_types_and_formats(api: Api) -> None:
    job_id = api.start(_file_body("xlsx"))
    job = api.wait(job_id)
    assert job["status"] == "SUCCESS", job
    assert job["rows_written"] == 3
    assert job["destination_url"] == f"/reports/{job_id}/download"
    response = api.client.get(f"/reports/{job_id}/download")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [
        ["date", "n", "value"],
        [datetime(2026, 10, 1), 0, 0],
        [datetime(2026, 10, 1), 1, 1.5],
        [datetime(2026, 10, 1), 2, 3],
    ]
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert [sheet.cell(2, c).number_format for c in (1, 2, 3)] == ["yyyy-mm-dd", "#,##0", "#,##0.00"]


def test_csv_file_and_404_until_it_is_written(api: Api) -> None:
    job_id = api.start(_file_body("csv", "rows=3;delay_ms=300"))
    early = api.client.get(f"/reports/{job_id}/download")
    assert early.status_code == 404
    assert "not written yet" in early.json()["detail"]
    assert api.wait(job_id)["status"] == "SUCCESS"
    response = api.client.get(f"/reports/{job_id}/download")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").splitlines() == [
        "date,n,value", "2026-10-01,0,0.0", "2026-10-01,1,1.5", "2026-10-01,2,3.0",
    ]
    assert (api.services.settings.data_dir / "reports" / f"{job_id}.csv").is_file()


def test_download_of_unknown_or_sheets_jobs_is_404(api: Api) -> None:
    assert api.client.get("/reports/nope/download").status_code == 404
    spec = JobRequest.model_validate(fb_body(job_id="sheets-job")).spec()
    api.services.store.insert_job(Job(job_id="sheets-job", spec=spec, fingerprint=spec.fingerprint()))
    response = api.client.get("/reports/sheets-job/download")
    assert response.status_code == 404
    assert "writes to Google Sheets" in response.json()["detail"]


def test_sheets_job_without_credentials_is_refused_with_the_fix(api: Api) -> None:
    response = api.create(fb_body())
    assert response.status_code == 422
    [entry] = response.json()["detail"]
    assert entry["loc"] == ["body", "destination"]
    assert "GOOGLE_CREDENTIALS_PATH" in entry["msg"] and "does not exist" in entry["msg"]
    assert "client_email as Editor" in entry["msg"] and '"xlsx"' in entry["msg"]


def test_dashboard_serves_the_file_behind_its_login_when_api_keys_are_set(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, google_credentials_path=tmp_path / "missing.json", api_keys="key-1"
    )
    with running_api(settings, _plugins()) as api:
        keyed = {"X-API-Key": "key-1"}
        body = _file_body("csv")
        assert api.client.post("/reports/create-job", json=body, headers=keyed).status_code == 200
        job_id = str(body["job_id"])
        deadline = time.monotonic() + 10
        while (job := api.services.store.get_job(job_id)) is None or not job.status.finished:
            assert time.monotonic() < deadline, "the job did not finish"
            time.sleep(0.05)
        assert job.status.value == "SUCCESS", job.message
        path = f"/api/dashboard/jobs/{job_id}/download"
        assert api.client.get(path).status_code == 401
        assert api.client.get(f"/reports/{job_id}/download").status_code == 401
        response = api.client.get(path, auth=DASH_AUTH)
        assert response.status_code == 200
        assert response.content.decode("utf-8-sig").splitlines()[0] == "date,n,value"
        assert api.client.get("/api/dashboard/jobs/nope/download", auth=DASH_AUTH).status_code == 404
