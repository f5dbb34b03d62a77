"""create-job under a concurrent burst while jobs run: how many answers are not 200, and latency.

The real app on a loopback port with the local executor running the scripted test source (each
job writes rows, progress, log lines and an API-call record while the burst arrives), so the
store's writers contend as in a busy `serve`. Usage, from the project root:

    .venv/bin/python -m benchmarks.concurrent_create [--requests 200] [--at-once 20] [--postgres]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx

from marketing_etl.api.app import create_app
from marketing_etl.plugins import Plugins
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_services
from tests.executors.support import job_body
from tests.fakes.server import serve_app
from tests.plugins import register

SCRIPT = "rows=200;delay_ms=5;log=fetching rows"


def run(label: str, database_url: str | None, requests: int, at_once: int, data_dir: Path) -> list[str]:
    settings = Settings(_env_file=None, data_dir=data_dir, database_url=database_url, secret_key="bench")
    plugins = Plugins()
    register(plugins)
    services = build_services(settings, plugins)
    app = create_app(settings, services=services)
    limits = httpx.Limits(max_connections=at_once)
    with (
        serve_app(app, lifespan="on") as url,
        httpx.Client(base_url=url, timeout=120, limits=limits) as client,
    ):

        def create(i: int) -> tuple[int, float]:
            sent = time.perf_counter()
            response = client.post("/reports/create-job", json=job_body(f"burst-{i}", SCRIPT))
            return response.status_code, (time.perf_counter() - sent) * 1000

        with ThreadPoolExecutor(at_once) as pool:
            answers = list(pool.map(create, range(requests)))
    services.close()
    latencies_ms = sorted(latency for _, latency in answers)
    codes = Counter(code for code, _ in answers)
    others = ", ".join(f"{code}: {count}" for code, count in sorted(codes.items()) if code != 200)
    return [
        label,
        f"{requests} x {at_once}",
        others or "none",
        f"{statistics.median(latencies_ms):.0f}",
        f"{latencies_ms[int(len(latencies_ms) * 0.95) - 1]:.0f}",
        f"{latencies_ms[-1]:.0f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--at-once", type=int, default=20)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL (127.0.0.1:5432)")
    args = parser.parse_args()
    table = [["store", "requests", "non-200", "p50 ms", "p95 ms", "max ms"]]
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        table.append(run("sqlite", None, args.requests, args.at_once, tmp / "sqlite"))
        if args.postgres:
            from tests.services import postgres_schema

            url = stack.enter_context(postgres_schema())
            table.append(run("postgresql", url, args.requests, args.at_once, tmp / "pg"))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print(" | ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
