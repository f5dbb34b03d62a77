"""Benchmark: "Ad Daily Report, 10 accounts x 90 days, 40 ads per account" against the fake Graph API
answering every call after 150 ms. Prints a table; not a test.

Run from the repository root:  .venv/bin/python -m benchmarks.facebook_ad_daily

The fake runs in its own process, so the wall time and the peak memory (max RSS of this process)
are the client's. A first, untimed run warms the fake's response cache: the fake's own CPU (building
and encoding 31,000 rows in one event loop) would otherwise add to the 150 ms it simulates.

The minimum possible calls are the insight pages each account needs at FACEBOOK_PAGE_SIZE plus
the ?ids= batches (50 ids, across all accounts) for the metadata the default fields need.
"""

from __future__ import annotations

import math
import multiprocessing
import resource
import socket
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.contracts.plugins import Destination, FieldProblem
from marketing_etl.contracts.report import Report, WriteResult
from marketing_etl.models import Job, JobSpec
from marketing_etl.plugins import Plugins
from marketing_etl.runner import run_job
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook import register
from marketing_etl.sources.facebook.catalog import find_template
from marketing_etl.sources.facebook.metadata import IDS_PER_CALL
from marketing_etl.sources.facebook.plan import plan_report
from marketing_etl.wiring import build_services

ACCOUNTS, DAYS, LATENCY_S = 10, 90, 0.150
# 2 campaigns x 4 ad sets x 5 ads = 40 ads per account
WORLD: dict[str, Any] = {"accounts": ACCOUNTS, "campaigns": 2, "adsets": 4, "ads": 5}
START = date(2026, 1, 1)
END = date.fromordinal(START.toordinal() + DAYS - 1)
TEMPLATE = "Ad Daily Report"
TARGET_CALL_RATIO, TARGET_WALL_RATIO, TARGET_PEAK_MB = 1.2, 1.5, 300


def serve_fake(port: int) -> None:
    import uvicorn

    from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
    from marketing_etl.sandbox.fakes.facebook_world import World

    graph = FakeGraph(World(**WORLD), latency_s=LATENCY_S, cache_responses=True)
    uvicorn.run(graph.app, host="127.0.0.1", port=port, log_level="warning")


class CountingDestination(Destination):
    """Reads the rows as a real writer would, keeping none of them."""

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        return []

    def write(self, ctx: JobContext, report: Report) -> WriteResult:
        count = sum(1 for _ in report.rows)
        return WriteResult(rows_written=count)


def minimum_calls(page_size: int) -> int:
    from marketing_etl.sandbox.fakes.facebook_insights import Query, group
    from marketing_etl.sandbox.fakes.facebook_world import World

    template = find_template(TEMPLATE)
    assert template is not None
    world = World(**WORLD)
    filters = (
        ("spend", "GREATER_THAN", "0"),
        ("ad.effective_status", "IN", ["ACTIVE", "PAUSED", "ARCHIVED"]),
    )
    query = Query("ad", START, END, True, (), (), filters)
    pages, objects = 0, 0
    for account_id in world.accounts:
        groups = group(world, account_id, query)
        pages += math.ceil(len(groups) / page_size)
        objects += len({key[2] for key in groups})
    needs_metadata = bool(plan_report(template, []).meta_keys)
    return pages + (math.ceil(objects / IDS_PER_CALL) if needs_metadata else 0)


def run() -> dict[str, Any]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fake = multiprocessing.get_context("spawn").Process(target=serve_fake, args=(port,), daemon=True)
    fake.start()
    try:
        _wait_for_port(port)
        return _run_job(port)
    finally:
        fake.terminate()
        fake.join(5)


def _run_job(port: int) -> dict[str, Any]:
    from marketing_etl.sandbox.fakes.facebook_graph import TOKEN
    from marketing_etl.sandbox.fakes.facebook_world import World

    plugins = Plugins()
    register(plugins)
    plugins.destinations.register("sheets", CountingDestination())
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            data_dir=Path(tmp),
            secret_key="bench",
            facebook_graph_url=f"http://127.0.0.1:{port}",
        )
        services = build_services(settings, plugins)
        accounts = [{"id": f"act_{a}", "name": f"Account {a}"} for a in World(**WORLD).accounts]
        for job_id in ("bench-warm-up", "bench-ad-daily"):
            spec = JobSpec.model_validate(
                {
                    "task_type": "facebook_daily",
                    "job_id": job_id,
                    "start_date": START,
                    "end_date": END,
                    "user_email": "bench@example.com",
                    "sheet_name": "Bench",
                    "accounts": accounts,
                    "template_name": TEMPLATE,
                }
            )
            job = Job(job_id=spec.job_id, spec=spec, fingerprint=spec.fingerprint())
            services.store.insert_job(job, services.vault.encrypt(TOKEN))
            started = time.monotonic()
            status = run_job(spec.job_id, services.runner_deps())
            wall_s = time.monotonic() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        finished = services.store.get_job(spec.job_id)
        calls = len(services.store.get_api_calls(spec.job_id))
        services.close()
    assert finished is not None
    return {
        "status": status,
        "message": finished.message,
        "rows": finished.rows_written,
        "calls": calls,
        "wall_s": wall_s,
        "peak_mb": peak_mb,
        "page_size": settings.facebook_page_size,
        "concurrency": settings.facebook_concurrency,
    }


def _wait_for_port(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the fake Graph API did not start")


def main() -> None:
    result = run()
    minimum = minimum_calls(result["page_size"])
    ideal_s = minimum * LATENCY_S / result["concurrency"]
    rows = [
        ("job", f"{result['status']}: {result['message']}", "", ""),
        ("rows written", str(result["rows"]), "", ""),
        (
            "calls made",
            str(result["calls"]),
            f"<= {TARGET_CALL_RATIO * minimum:.0f}",
            _ok(result["calls"] <= TARGET_CALL_RATIO * minimum),
        ),
        ("minimum possible calls", str(minimum), "", ""),
        ("calls / minimum", f"{result['calls'] / minimum:.2f}", f"<= {TARGET_CALL_RATIO}", ""),
        (
            "wall time",
            f"{result['wall_s']:.2f} s",
            f"<= {TARGET_WALL_RATIO * ideal_s:.2f} s",
            _ok(result["wall_s"] <= TARGET_WALL_RATIO * ideal_s),
        ),
        ("min calls x latency / concurrency", f"{ideal_s:.2f} s", "", ""),
        (
            "peak memory (max RSS)",
            f"{result['peak_mb']:.0f} MB",
            f"< {TARGET_PEAK_MB} MB",
            _ok(result["peak_mb"] < TARGET_PEAK_MB),
        ),
    ]
    latency_ms = LATENCY_S * 1000
    print(f"{TEMPLATE}, {ACCOUNTS} accounts x {DAYS} days, 40 ads per account, {latency_ms:.0f} ms per call")
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def _ok(passed: bool) -> str:
    return "ok" if passed else "MISSED"


if __name__ == "__main__":
    main()
