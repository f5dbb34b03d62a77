"""Benchmark: many jobs appending to ONE Google Sheets tab at once (issue "nothing lost").

The real app on loopback (uvicorn, local executor, SQLite or PostgreSQL), the scripted test
source (each row carries its job id) and the real Sheets writer against the fake Sheets API
answering after --latency-ms. Create-job requests go out --concurrency at a time; afterwards the
tab is read back and every (job, row) pair counted. Usage, from the project root:

    .venv/bin/python -m benchmarks.shared_tab [--jobs 100] [--rows 2] [--concurrency 20]
        [--latency-ms 100] [--postgres]

Target: every row exactly once and every job SUCCESS; the wall time is the price of one writer
per tab (about five Sheets calls per job while it holds the tab).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx

from marketing_etl.api.app import create_app
from marketing_etl.destinations import register as register_destinations
from marketing_etl.executors.local import LocalExecutor
from marketing_etl.models import JobFilter
from marketing_etl.plugins import Plugins
from marketing_etl.sandbox.fakes.google_sheets import FakeGoogle
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_services
from tests.fakes.google_sheets import serve_google
from tests.fakes.server import serve_app
from tests.plugins import register_sources
from tests.services import postgres_schema

EMAIL = "bench-writer@fake-project.iam.gserviceaccount.com"
SPREADSHEET_ID = "1SharedTabBenchmark_0123456789"
TAB = "Shared"
FINAL = ("SUCCESS", "FAILED", "CANCELLED")


def body(index: int, rows: int) -> dict[str, object]:
    return {
        "task_type": "facebook_daily", "job_id": f"shared-{index:04d}", "access_token": "EAAB-bench",
        "start_date": "2026-10-01", "end_date": "2026-10-07", "user_email": "bench@example.com",
        "spreadsheet_id": SPREADSHEET_ID, "sheet_name": TAB, "template_name": f"rows={rows};label=1",
        "accounts": [{"id": "act_1", "name": "Bench"}],
    }


def run(label: str, database_url: str | None, args: argparse.Namespace, data_dir: Path) -> list[str]:
    google = FakeGoogle(quota_per_minute=100_000, latency_s=args.latency_ms / 1000)
    with serve_google(google):
        key = google.key_file(data_dir, EMAIL)
        google.add_spreadsheet(SPREADSHEET_ID, editors=[EMAIL])
        settings = Settings(
            _env_file=None, data_dir=data_dir, database_url=database_url, secret_key="bench",
            google_credentials_path=key, google_sheets_api_url=google.base_url,
            max_concurrent_jobs=args.concurrency, sheets_writes_per_minute=100_000,
        )
        plugins = Plugins()
        register_destinations(plugins)
        register_sources(plugins)
        services = build_services(settings, plugins)
        executor = LocalExecutor(services, poll_interval_s=0.2)
        app = create_app(settings, services=services, executor=executor)
        with serve_app(app, lifespan="on") as url, httpx.Client(base_url=url, timeout=60) as client:
            started = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                answers = list(pool.map(
                    lambda i: client.post("/reports/create-job", json=body(i, args.rows)), range(args.jobs)
                ))
            while _finished(services.store.count_jobs_by(JobFilter(), "status")) < args.jobs:
                time.sleep(0.1)
            wall_s = time.perf_counter() - started
        statuses = services.store.count_jobs_by(JobFilter(), "status")
        services.close()
        values = google.books[SPREADSHEET_ID].tab(TAB).values()[1:]
    counts = Counter((row[0], row[2]) for row in values)
    expected = {(f"shared-{i:04d}", n) for i in range(args.jobs) for n in range(args.rows)}
    return [
        label, str(args.jobs), str(args.concurrency), str(sum(a.status_code == 200 for a in answers)),
        str(statuses.get("SUCCESS", 0)), str(statuses.get("FAILED", 0)), str(len(expected)),
        str(len(values)), str(len(expected - set(counts))), str(sum(c - 1 for c in counts.values() if c > 1)),
        f"{wall_s:.1f}",
    ]


def _finished(statuses: dict[str, int]) -> int:
    return sum(statuses.get(status, 0) for status in FINAL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--rows", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL (127.0.0.1:5432)")
    args = parser.parse_args()
    header = ["store", "jobs", "at once", "200s", "SUCCESS", "FAILED", "rows expected", "rows in tab",
              "missing", "doubled", "wall s"]
    table = [header]
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        (tmp / "sqlite").mkdir()
        table.append(run("sqlite", None, args, tmp / "sqlite"))
        if args.postgres:
            url = stack.enter_context(postgres_schema())
            (tmp / "pg").mkdir()
            table.append(run("postgresql", url, args, tmp / "pg"))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print(" | ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
