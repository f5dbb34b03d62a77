"""Foundation throughput: create-job latency over real HTTP and end-to-end jobs per second.

Runs the real app (uvicorn on loopback) with the local executor and the scripted test source
(no platform latency; the destination records progress every 100 rows, like a chunked writer),
so the numbers are the service's own overhead: validation, the store, claiming, progress and
log writes. Usage, from the project root:

    .venv/bin/python -m benchmarks.job_throughput [--jobs 300] [--rows 200] [--postgres]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx

from marketing_etl.api.app import create_app
from marketing_etl.executors.local import LocalExecutor
from marketing_etl.models import JobFilter, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_services
from tests.fakes.server import serve_app
from tests.plugins import register
from tests.services import postgres_schema

SPREADSHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


def body(rows: int) -> dict[str, object]:
    return {
        "task_type": "facebook_daily",
        "job_id": f"bench-{uuid.uuid4().hex[:12]}",
        "access_token": "EAAB-benchmark-token",
        "start_date": "2026-10-01",
        "end_date": "2026-10-31",
        "user_email": "bench@example.com",
        "spreadsheet_id": SPREADSHEET_ID,
        "sheet_name": "Bench",
        "template_name": f"rows={rows};chunk=100",
        "accounts": [{"id": "act_1", "name": "Bench"}],
    }


def run(label: str, database_url: str | None, jobs: int, rows: int, data_dir: Path) -> list[str]:
    settings = Settings(_env_file=None, data_dir=data_dir, database_url=database_url, secret_key="bench")
    plugins = Plugins()
    register(plugins)
    services = build_services(settings, plugins)
    executor = LocalExecutor(services)
    latencies_ms: list[float] = []
    app = create_app(settings, services=services, executor=executor)
    with serve_app(app, lifespan="on") as url, httpx.Client(base_url=url, timeout=30) as client:
        started = time.perf_counter()
        for _ in range(jobs):
            sent = time.perf_counter()
            response = client.post("/reports/create-job", json=body(rows))
            latencies_ms.append((time.perf_counter() - sent) * 1000)
            response.raise_for_status()
        while (
            services.store.count_jobs_by(JobFilter(status=JobStatus.SUCCESS), "status").get("SUCCESS", 0)
            < jobs
        ):
            time.sleep(0.05)
        wall_s = time.perf_counter() - started
    services.close()
    latencies_ms.sort()
    p95 = latencies_ms[int(len(latencies_ms) * 0.95) - 1]
    return [
        label,
        str(jobs),
        str(rows),
        f"{statistics.median(latencies_ms):.1f}",
        f"{p95:.1f}",
        f"{wall_s:.1f}",
        f"{jobs / wall_s:.1f}",
        f"{jobs * rows / wall_s:,.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL (127.0.0.1:5432)")
    args = parser.parse_args()
    header = ["store", "jobs", "rows/job", "create p50 ms", "create p95 ms", "wall s", "jobs/s", "rows/s"]
    table = [header]
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        table.append(run("sqlite", None, args.jobs, args.rows, tmp / "sqlite"))
        if args.postgres:
            url = stack.enter_context(postgres_schema())
            table.append(run("postgresql", url, args.jobs, args.rows, tmp / "pg"))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print(" | ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
