"""Benchmark: the largest Ad Daily Reports a spreadsheet holds, fetched from the fake Graph API and
written through the real Sheets destination to the fake Sheets API, both at 300 ms per call.

10 accounts of 480 ads each (4 campaigns x 8 ad sets x 15 ads), 28 columns (the default fields):
80 days bring about 334,000 rows (9.4 M cells), 85 days about 355,000 (9.9 M cells, just under
Google's 10,000,000 per spreadsheet). Each case runs in a fresh process, and each fake in a
process of its own, so the peak RSS printed is the service's alone (issue #13: under 400 MB).

    .venv/bin/python -m benchmarks.facebook_ad_daily --large
"""

from __future__ import annotations

import multiprocessing
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from benchmarks.facebook_ad_daily import TEMPLATE, FakeProcess
from benchmarks.sheets_write import EMAIL, SPREADSHEET_ID, start_fake
from marketing_etl.destinations import register as register_destinations
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import Job, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.runner import run_job
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook import register as register_facebook
from marketing_etl.wiring import build_services

LARGE_WORLD: dict[str, Any] = {"accounts": 10, "campaigns": 4, "adsets": 8, "ads": 15}
LARGE_DAYS = (80, 85)
LATENCY_S = 0.3
START = date(2026, 1, 1)
TARGET_PEAK_MB = 400


def run_case(days: int, graph_url: str, work: Path) -> dict[str, Any]:
    from marketing_etl.sandbox.fakes.facebook_graph import TOKEN
    from marketing_etl.sandbox.fakes.facebook_world import World

    sheets, sheets_url = start_fake(work, LATENCY_S)
    try:
        settings = Settings(
            _env_file=None, data_dir=work / "data", secret_key="k" * 32,
            facebook_graph_url=graph_url, google_sheets_api_url=sheets_url,
            google_credentials_path=work / f"{EMAIL.split('@')[0]}.json",
        )  # fmt: skip
        plugins = Plugins()
        register_facebook(plugins)
        register_destinations(plugins)
        services = build_services(settings, plugins)
        accounts = [{"id": f"act_{a}", "name": f"Account {a}"} for a in World(**LARGE_WORLD).accounts]
        spec = JobSpec(
            task_type="facebook_daily", job_id="large", start_date=START,
            end_date=START + timedelta(days=days - 1), user_email="bench@example.com",
            spreadsheet_id=SPREADSHEET_ID, sheet_name="Sheet1", is_overwrite=True,
            accounts=accounts, template_name=TEMPLATE,
        )  # fmt: skip
        job = Job(job_id="large", spec=spec, fingerprint=spec.fingerprint())
        services.store.insert_job(job, services.vault.encrypt(TOKEN))
        started = time.monotonic()
        status = run_job("large", services.runner_deps())
        wall_s = time.monotonic() - started
        finished = services.store.get_job("large")
        services.close()
    finally:
        sheets.terminate()
        sheets.wait(timeout=10)
    if status is not JobStatus.SUCCESS or finished is None:
        raise RuntimeError(f"benchmark job ended {status}: {finished.message if finished else ''}")
    return {
        "days": days,
        "rows": finished.rows_written,
        "wall_s": wall_s,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_alone(days: int) -> dict[str, Any]:
    """One case in a fresh process (a process's peak RSS only ever grows), the fake Graph API in
    another one started from here (a pool's worker may not start processes)."""
    spawn = multiprocessing.get_context("spawn")
    with FakeProcess(LATENCY_S, world=LARGE_WORLD) as graph, spawn.Pool(1) as pool:
        result: dict[str, Any] = pool.apply(_run_in_tempdir, (days, graph.url))
    return result


def _run_in_tempdir(days: int, graph_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as work:
        return run_case(days, graph_url, Path(work))


def print_large_table() -> None:
    from benchmarks.facebook_ad_daily import ad_daily_plan

    columns = len(ad_daily_plan().columns)
    print(f"{TEMPLATE}, 10 accounts x 480 ads, to the fake Sheets API, {LATENCY_S * 1000:.0f} ms/call")
    print("| days | rows x cols | cells (with header) | wall s | service peak RSS MB |")
    print("|---|---|---|---|---|")
    for days in LARGE_DAYS:
        result = run_alone(days)
        ok = "ok" if result["peak_mb"] < TARGET_PEAK_MB else "MISSED"
        print(
            f"| {days} | {result['rows']:,} x {columns} | {(result['rows'] + 1) * columns:,} | "
            f"{result['wall_s']:.1f} | {result['peak_mb']:.0f} (< {TARGET_PEAK_MB}: {ok}) |",
            flush=True,
        )
