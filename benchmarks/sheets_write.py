"""Benchmark: one job writes a 25-column report to the fake Sheets API at 300 ms per call.

Two cases by default: 100,000 rows into a new tab, and the largest report a spreadsheet holds:
399,999 rows over its only tab, which with the header row is 10,000,000 cells (Google's limit;
400,000 rows would need one row more). Each case runs in a process of its own, so its peak RSS
is that job's alone; the fake runs in yet another process, so the peak measured is the service's
(the job runner, the spooled report and the HTTP client), not the fake's copy of the sheet, which
is printed apart.

    .venv/bin/python -m benchmarks.sheets_write [--rows N] [--latency-ms MS] [--mode overwrite|append]

Targets (issues #5 and #13): Sheets calls <= payload MB / 2 + 3, peak RSS under 400 MB.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.contracts.report import Column, Report
from marketing_etl.destinations import register as register_destinations
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import Job, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.runner import run_job
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_services
from tests.plugins import StandInSource

EMAIL = "bench-writer@fake-project.iam.gserviceaccount.com"
SPREADSHEET_ID = "1BenchmarkSpreadsheet_0123456789"
TARGET_PEAK_MB = 400
# With the header row, 10,000,000 cells: all a spreadsheet may hold.
LARGEST_ROWS = 399_999
KINDS = (
    ["id"] * 3 + ["text"] * 5 + ["date", "datetime"] + ["integer"] * 6 + ["money"] * 6
    + ["ratio", "percent", "percent"]
)


class SyntheticSource(StandInSource):
    """25 columns of typical ad-report values, produced lazily like a real paged fetch."""

    def __init__(self, rows: int) -> None:
        super().__init__("facebook", ("facebook_daily",))
        self.rows = rows

    def fetch(self, ctx: JobContext) -> Report:
        columns = [Column(f"{kind}_{i}", kind) for i, kind in enumerate(KINDS)]
        return Report(columns, self._rows())

    def _rows(self) -> Iterator[list[Any]]:
        day = date(2026, 10, 1)
        for i in range(self.rows):
            yield [
                str(120_210_000_000_000_000 + i), f"act_{1000 + i % 40}", str(i % 977),
                f"Campaign {i % 313} - Autumn promo", f"Ad set {i % 1201}", f"Ad {i}",
                "ACTIVE", "CONVERSIONS",
                day + timedelta(days=i % 30), datetime(2026, 10, 1, i % 24, 15),
                i * 7 % 100_000, i % 5_000, i % 300, i % 50, i % 20, i % 9,
                round(i * 0.37 % 9_000, 2), round(i * 1.13 % 500, 2), 0.12 * (i % 100), 4.5,
                round(i * 0.07 % 100, 2), 1234.5,
                round(i % 97 / 13, 4), round(i % 100 / 100, 4), 0.0125,
            ]


def start_fake(key_dir: Path, latency_s: float) -> tuple[subprocess.Popen[str], str]:
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.google_sheets", "--key-dir", str(key_dir),
         "--email", EMAIL, "--spreadsheet-id", SPREADSHEET_ID, "--latency-s", str(latency_s),
         "--quota-per-minute", "1000"],
        stdout=subprocess.PIPE, text=True,
    )
    assert fake.stdout is not None
    base_url = fake.stdout.readline().strip()
    if not base_url.startswith("http://127.0.0.1:"):
        fake.kill()
        raise RuntimeError("the fake Sheets API did not start")
    return fake, base_url


def peak_rss_mb(pid: int) -> float | None:
    """Another process's peak RSS (Linux's VmHWM); None where /proc does not tell."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


@dataclass(frozen=True)
class Case:
    rows: int
    sheet_name: str  # "Sheet1": over the fake spreadsheet's only tab; else a new tab
    overwrite: bool

    @property
    def mode(self) -> str:
        if self.sheet_name == "Sheet1":
            return "overwrite (the only tab)"
        return "overwrite (new tab)" if self.overwrite else "append (new tab)"


def run(case: Case, latency_s: float, work: Path) -> dict[str, Any]:
    fake, base_url = start_fake(work, latency_s)
    try:
        settings = Settings(
            _env_file=None, data_dir=work / "data", secret_key="k" * 32,
            google_credentials_path=work / f"{EMAIL.split('@')[0]}.json",
            google_sheets_api_url=base_url,
        )
        plugins = Plugins()
        register_destinations(plugins)
        plugins.sources.register(SyntheticSource(case.rows))
        services = build_services(settings, plugins)
        spec = JobSpec(
            task_type="facebook_daily", job_id="bench", start_date=date(2026, 10, 1),
            end_date=date(2026, 10, 30), user_email="bench@example.com", spreadsheet_id=SPREADSHEET_ID,
            sheet_name=case.sheet_name, is_overwrite=case.overwrite, accounts=[{"id": "act_1"}],
            template_name="bench",
        )
        services.store.insert_job(Job(job_id="bench", spec=spec, fingerprint=spec.fingerprint()))
        started, cpu_started = time.monotonic(), time.process_time()
        status = run_job("bench", services.runner_deps())
        wall_s, cpu_s = time.monotonic() - started, time.process_time() - cpu_started
        job = services.store.get_job("bench")
        calls = [c for c in services.store.get_api_calls("bench") if c.platform == "sheets"]
        services.close()
        fake_peak_mb = peak_rss_mb(fake.pid)
    finally:
        fake.terminate()
        fake.wait(timeout=10)
    if status is not JobStatus.SUCCESS or job is None:
        raise RuntimeError(f"benchmark job ended {status}: {job.message if job else ''}")
    payload_mb = sum(float(c.usage.get("request_bytes", 0)) for c in calls) / 1e6
    return {
        "mode": case.mode, "rows": job.rows_written, "cells": (job.rows_written + 1) * len(KINDS),
        "payload_mb": payload_mb, "calls": len(calls), "calls_target": payload_mb / 2 + 3,
        "wall_s": wall_s, "cpu_s": cpu_s,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "fake_peak_mb": fake_peak_mb,
    }


def run_alone(case: Case, latency_s: float) -> dict[str, Any]:
    """One case in a fresh process: a process's peak RSS only ever grows."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(_run_in_tempdir, (case, latency_s))
    return result


def _run_in_tempdir(case: Case, latency_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as work:
        return run(case, latency_s, Path(work))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, help="one case of this many rows (default: both cases)")
    parser.add_argument("--latency-ms", type=float, default=300)
    parser.add_argument("--mode", choices=["overwrite", "append"], default="overwrite")
    args = parser.parse_args()
    overwrite = args.mode == "overwrite"
    cases = [Case(args.rows, "Report", overwrite)] if args.rows else [
        Case(100_000, "Report", overwrite), Case(LARGEST_ROWS, "Sheet1", True),
    ]
    print(
        "| mode | rows x cols | cells | payload MB | Sheets calls | target calls | wall s "
        "| service CPU s | service peak RSS MB | fake peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    missed = False
    for case in cases:
        result = run_alone(case, args.latency_ms / 1000)
        ok_calls = result["calls"] <= result["calls_target"]
        ok_memory = result["peak_rss_mb"] < TARGET_PEAK_MB
        missed = missed or not (ok_calls and ok_memory)
        fake_mb = result["fake_peak_mb"]
        print(
            f"| {result['mode']} | {result['rows']:,} x {len(KINDS)} | {result['cells']:,} | "
            f"{result['payload_mb']:.1f} | {result['calls']} | "
            f"<= {result['calls_target']:.1f} {'ok' if ok_calls else 'MISSED'} | "
            f"{result['wall_s']:.1f} | {result['cpu_s']:.1f} | "
            f"{result['peak_rss_mb']:.0f} {'ok' if ok_memory else 'MISSED'} | "
            f"{'n/a' if fake_mb is None else f'{fake_mb:.0f}'} |",
            flush=True,
        )
    if missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
