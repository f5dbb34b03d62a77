"""The writer's memory does not grow with the report: it reads the rows once, as a stream, and
holds at most one chunk of them at a time.

Not a timing or RSS test: tracemalloc counts the Python memory this process allocates while a
job writes 200,000 rows (about 180 MB as Python objects) and its peak must stay far below that.
The fake Sheets API runs in a process of its own, so its copy of the sheet is not counted.
"""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from marketing_etl.context import JobContext
from marketing_etl.contracts.report import Column, Report
from marketing_etl.destinations.sheets import SheetsDestination
from marketing_etl.destinations.sheets.a1 import cell_range, path_segment
from marketing_etl.destinations.sheets.auth import load_service_account, refresh_token
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import Job, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.runner import run_job
from marketing_etl.wiring import build_services
from tests.destinations.conftest import EMAIL, SID, make_settings
from tests.plugins import StandInSource

ROWS, COLUMNS = 200_000, 10
# Each row is a list of 10 Decimals, as money is after the currency transform: about 1.2 kB
# as Python objects (240 MB for the report) and 100 bytes of JSON (20 MB, ten 2 MB calls).
# The writer holds one chunk and its request body at a time, besides what the job's store and
# HTTP client need: neither the rows nor the encoded report may pile up.
PEAK_BOUND_BYTES = 12_000_000


def row(index: int) -> list[Decimal]:
    return [Decimal(index * COLUMNS + column) for column in range(COLUMNS)]


def written(index: int) -> list[float]:
    return [float(cell) for cell in row(index)]


class StreamSource(StandInSource):
    def __init__(self) -> None:
        super().__init__("facebook", ("facebook_daily",))

    def fetch(self, ctx: JobContext) -> Report:
        columns = [Column(f"spend_{column}", "money") for column in range(COLUMNS)]
        return Report(columns, (row(index) for index in range(ROWS)))


@pytest.fixture
def fake_in_own_process(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.google_sheets", "--key-dir", str(tmp_path),
         "--email", EMAIL, "--spreadsheet-id", SID, "--quota-per-minute", "1000"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert fake.stdout is not None
        base_url = fake.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:"), "the fake Sheets API did not start"
        yield base_url, tmp_path / f"{EMAIL.split('@')[0]}.json"
    finally:
        fake.terminate()
        fake.wait(timeout=10)


def read_row(base_url: str, key: Path, tab_row: int) -> list[Any]:
    cells = path_segment(cell_range("Report", tab_row, tab_row, COLUMNS))
    with httpx.Client() as http:
        token = refresh_token(load_service_account(key), http)
        answer = http.get(
            f"{base_url}/v4/spreadsheets/{SID}/values/{cells}",
            params={"valueRenderOption": "UNFORMATTED_VALUE"},
            headers={"Authorization": f"Bearer {token}"},
        )
    answer.raise_for_status()
    values: list[list[Any]] = answer.json()["values"]
    return values[0]


def test_a_large_report_is_written_in_bounded_memory(
    tmp_path: Path, fake_in_own_process: tuple[str, Path]
) -> None:
    base_url, key = fake_in_own_process
    settings = make_settings(
        tmp_path / "data", google_credentials_path=key, google_sheets_api_url=base_url
    )
    plugins = Plugins()
    plugins.sources.register(StreamSource())
    plugins.destinations.register("sheets", SheetsDestination())
    services = build_services(settings, plugins)
    spec = JobSpec(
        task_type="facebook_daily", job_id="large", start_date=date(2026, 10, 1),
        end_date=date(2026, 10, 2), user_email="ana@example.com", spreadsheet_id=SID,
        sheet_name="Report", is_overwrite=True, accounts=[{"id": "act_1"}], template_name="large",
    )
    services.store.insert_job(Job(job_id="large", spec=spec, fingerprint=spec.fingerprint()))
    tracemalloc.start()
    try:
        status = run_job("large", services.runner_deps())
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        job = services.store.get_job("large")
        services.close()
    assert job is not None
    assert status is JobStatus.SUCCESS, job.message
    assert job.rows_written == ROWS
    assert read_row(base_url, key, 2) == written(0)
    assert read_row(base_url, key, ROWS + 1) == written(ROWS - 1)
    assert peak_bytes < PEAK_BOUND_BYTES, f"peak {peak_bytes / 1e6:.1f} MB"
