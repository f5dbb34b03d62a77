"""Benchmark: the TikTok creative report for 20 campaigns x 50 products x 8 creatives, every call
to the fake TikTok API taking 200 ms. Prints calls made (all, and those to the report endpoint,
which count against the app's daily quota) against the fewest the API allows, wall time and the
job's peak Python memory, with creative titles and without.

    .venv/bin/python -m benchmarks.tiktok_creative                  # default budget: 5 QPS, 240 QPM
    .venv/bin/python -m benchmarks.tiktok_creative --qps 20 --qpm 600

The fake runs in a child process so its data set does not count towards the job's memory.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import uvicorn

from marketing_etl.job_spec import JobSpec
from marketing_etl.models import Job, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.runner import run_job
from marketing_etl.sandbox.fakes.tiktok_api import FakeTikTok
from marketing_etl.settings import Settings
from marketing_etl.sources.tiktok.client import REPORT_PATH
from marketing_etl.sources.tiktok.fields import CREATIVE_ATTRIBUTES
from marketing_etl.sources.tiktok.source import TikTokReportSource
from marketing_etl.wiring import build_services
from tests.fakes.server import free_port
from tests.plugins import MemoryDestination
from tests.tiktok import data

TOKEN = "benchmark-token-0123456789"
CAMPAIGNS, PRODUCTS, CREATIVES = 20, 50, 8
METRICS_ONLY = ["campaign_id", "item_group_id", "item_id", "cost", "orders", "roi", "ad_video_view_rate_2s"]


@dataclass
class Outcome:
    scenario: str
    calls: int
    report_calls: int
    minimum: int
    wall_s: float
    peak_mib: float
    rows: int


def fewest_calls(with_attributes: bool) -> int:
    """The API's own limits: the store list (is the store able to run GMV Max?), 100 ids per
    report filter, 1,000 report rows per page, 100 catalog products and 50 posts per page."""
    products = CAMPAIGNS * PRODUCTS
    store_list, campaign_list = 1, 1
    pair_list = math.ceil(CAMPAIGNS / 100) * math.ceil(products / 1000)
    per_call = min(100, products) * CREATIVES  # rows of one call: 100 products' creatives
    metrics = math.ceil(CAMPAIGNS / 100) * math.ceil(products / 100) * math.ceil(per_call / 1000)
    fewest = store_list + campaign_list + pair_list + metrics
    if with_attributes:
        catalog = math.ceil(products / 100)
        videos = math.ceil(products * CREATIVES / 50)
        fewest += catalog + videos
    return fewest


def _serve(port: int, latency_s: float) -> None:
    fake = FakeTikTok(data.generated(CAMPAIGNS, PRODUCTS, CREATIVES), TOKEN, latency_s=latency_s)
    uvicorn.run(fake.app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


def _wait_until_up(base_url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(base_url + "/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the fake TikTok API did not start")


def run(scenario: str, base_url: str, qps: float, qpm: int, selected: list[str]) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,
            data_dir=Path(tmp),
            secret_key="b" * 32,
            tiktok_api_url=f"{base_url}/open_api/v1.3",
            tiktok_max_qps=qps,
            tiktok_max_qpm=qpm,
        )
        plugins = Plugins()
        plugins.sources.register(TikTokReportSource("creative"))
        destination = MemoryDestination()
        plugins.destinations.register("sheets", destination)
        services = build_services(settings, plugins)
        spec = JobSpec(
            task_type="creative", job_id=scenario, start_date=data.OCT1, end_date=date(2026, 10, 31),
            user_email="bench@example.com", spreadsheet_id="1" * 40, sheet_name="Bench",
            advertiser_id=data.ADVERTISER, store_id=data.STORE, selected_fields=selected,
        )  # fmt: skip
        services.vault.put(scenario, TOKEN)
        services.store.insert_job(Job(job_id=scenario, spec=spec, fingerprint=spec.fingerprint()))
        tracemalloc.start()
        started = time.perf_counter()
        status = run_job(scenario, services.runner_deps())
        wall_s = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        job = services.store.get_job(scenario)
        if status is not JobStatus.SUCCESS or job is None:
            raise RuntimeError(f"{scenario} ended {status}: {job.message if job else '?'}")
        recorded = services.store.get_api_calls(scenario)
        calls = len(recorded)
        report_calls = sum(1 for call in recorded if call.endpoint == REPORT_PATH)
        services.close()
    with_attributes = not selected or bool(set(selected) & set(CREATIVE_ATTRIBUTES))
    minimum = fewest_calls(with_attributes)
    return Outcome(scenario, calls, report_calls, minimum, wall_s, peak / 2**20, job.rows_written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qps", type=float, default=5.0, help="TIKTOK_MAX_QPS for the run")
    parser.add_argument("--qpm", type=int, default=240, help="TIKTOK_MAX_QPM for the run")
    parser.add_argument("--latency-ms", type=int, default=200)
    args = parser.parse_args()
    port = free_port()
    server = multiprocessing.Process(target=_serve, args=(port, args.latency_ms / 1000), daemon=True)
    server.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base_url)
        outcomes = [
            # The cheap run first: both share the advertiser's minute window.
            run("without-titles", base_url, args.qps, args.qpm, METRICS_ONLY),
            run("with-titles", base_url, args.qps, args.qpm, []),
        ]
    finally:
        server.terminate()
        server.join()
    size = f"{CAMPAIGNS} campaigns x {PRODUCTS} products x {CREATIVES} creatives"
    print(f"TikTok creative report, {size}; {args.qps:g} QPS / {args.qpm} QPM, {args.latency_ms} ms per call")
    headings = ("scenario", "rows", "calls", "report calls", "fewest possible", "calls / fewest")
    print("| " + " | ".join((*headings, "wall time", "peak memory")) + " |")
    print("|---" * (len(headings) + 2) + "|")
    for o in outcomes:
        print(
            f"| {o.scenario} | {o.rows} | {o.calls} | {o.report_calls} | {o.minimum} | "
            f"{o.calls / o.minimum:.2f} | {o.wall_s:.1f} s | {o.peak_mib:.1f} MiB |"
        )


if __name__ == "__main__":
    main()
