"""The Facebook source's memory is bounded: a job's rows stream through it instead of being held.

A daily ad-level job (one date window, which holds every row of the job) runs through the real
source against the fake Graph API served from another process, so that only the service's own
Python allocations are traced. The same report over 15 and over 90 days: what the ~10,000 extra
rows add to the traced peak while the rows stream must stay far below what they take when held
(a source that held its rows would add at least that), and the rows must come out exactly as
the expected report (same values, same order).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import socket
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from marketing_etl.context import JobContext
from marketing_etl.contracts.plugins import Destination, FieldProblem
from marketing_etl.contracts.report import Report, WriteResult
from marketing_etl.job_spec import JobSpec
from marketing_etl.models import Job, JobStatus
from marketing_etl.plugins import Plugins
from marketing_etl.ratelimit import LocalBudget
from marketing_etl.runner import run_job
from marketing_etl.sandbox.fakes.facebook_graph import TOKEN
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook import FacebookSource, row_spool
from marketing_etl.sources.facebook.catalog import find_template
from marketing_etl.wiring import build_services
from tests.facebook.conftest import FAST
from tests.facebook.expected import expected_table
from tests.fakes.server import free_port

WORLD: dict[str, Any] = {"accounts": 4, "campaigns": 2, "adsets": 4, "ads": 5, "seed": "memory"}
TEMPLATE = "Ad Daily Report"  # its 28 default columns
# 4 accounts x 40 ads: ~12,500 rows over 90 days, ~2,100 over 15
START, SHORT_END, END = date(2026, 1, 1), date(2026, 1, 15), date(2026, 3, 31)
HELD_TO_PEAK_RATIO = 4  # measured: the extra rows add ~0.8 MB to the peak, ~8 MB held


def serve_world(port: int) -> None:
    import uvicorn

    from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph

    uvicorn.run(FakeGraph(World(**WORLD)).app, host="127.0.0.1", port=port, log_level="warning")


@pytest.fixture(scope="module")
def graph_url() -> Iterator[str]:
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(target=serve_world, args=(port,), daemon=True)
    process.start()
    try:
        _wait_for(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(10)


class TracingDestination(Destination):
    """Reads the rows as a streaming writer would: keeps a digest of them, not the rows."""

    def __init__(self) -> None:
        self.rows = 0
        self.digest = hashlib.sha256()
        self.peak_bytes = 0

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        return []

    def write(self, ctx: JobContext, report: Report) -> WriteResult:
        tracemalloc.start()
        try:
            baseline_bytes = tracemalloc.get_traced_memory()[0]
            for row in report.rows:
                self.digest.update(_encoded(row))
                self.rows += 1
            self.peak_bytes = tracemalloc.get_traced_memory()[1] - baseline_bytes
        finally:
            tracemalloc.stop()
        return WriteResult(rows_written=self.rows)


def test_the_source_needs_no_more_memory_for_more_rows(
    graph_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small runs and blocks, so that a few thousand rows already show the bound that holds
    # hundreds of thousands in a full-size report.
    monkeypatch.setattr(row_spool, "RUN_ROWS", 500)
    monkeypatch.setattr(row_spool, "BLOCK_ROWS", 10)
    # A first job allocates things once (imports, caches): a day's job does it for both.
    _Measured(graph_url, tmp_path / "warm-up", START)
    long = _Measured(graph_url, tmp_path / "long", END)
    short = _Measured(graph_url, tmp_path / "short", SHORT_END)

    assert short.status is long.status is JobStatus.SUCCESS
    assert long.destination.rows == len(long.expected) > 4 * len(short.expected)
    assert long.destination.digest.hexdigest() == _digest(long.expected)  # same rows, same order
    # What the longer report's extra rows add to the source's peak, against what they take held.
    extra_peak_bytes = long.destination.peak_bytes - short.destination.peak_bytes
    extra_held_bytes = long.held_bytes - short.held_bytes
    assert extra_peak_bytes * HELD_TO_PEAK_RATIO < extra_held_bytes, (extra_peak_bytes, extra_held_bytes)


class _Measured:
    """One job of the report to END: its run, its expected rows and their size when held."""

    def __init__(self, graph_url: str, data_dir: Path, end: date) -> None:
        self.destination = TracingDestination()
        accounts = [{"id": f"act_{a}", "name": f"Account {a}"} for a in World(**WORLD).accounts]
        self.status = _run(graph_url, data_dir, self.destination, accounts, end)
        template = find_template(TEMPLATE)
        assert template is not None
        tracemalloc.start()
        try:
            before_bytes = tracemalloc.get_traced_memory()[0]
            fields = list(template.defaults)
            self.expected = expected_table(World(**WORLD), template, fields, accounts, START, end)[1:]
            self.held_bytes = tracemalloc.get_traced_memory()[0] - before_bytes
        finally:
            tracemalloc.stop()


def _run(
    graph_url: str, data_dir: Path, destination: Destination, accounts: list[dict[str, str]], end: date
) -> JobStatus | None:
    settings = Settings(
        _env_file=None,
        data_dir=data_dir,
        secret_key="k" * 32,
        facebook_graph_url=graph_url,
        facebook_page_size=25,
        facebook_max_concurrency=2,
    )
    plugins = Plugins()
    plugins.sources.register(FacebookSource(FAST, allowances=LocalBudget()))
    plugins.destinations.register("sheets", destination)
    services = build_services(settings, plugins)
    try:
        spec = JobSpec.model_validate(
            {
                "task_type": "facebook_daily",
                "job_id": "fb-memory",
                "start_date": START,
                "end_date": end,
                "user_email": "ana@example.com",
                "sheet_name": "FB",
                "accounts": accounts,
                "template_name": TEMPLATE,
            }
        )
        job = Job(job_id=spec.job_id, spec=spec, fingerprint=spec.fingerprint())
        assert services.store.insert_job(job, services.vault.encrypt(TOKEN))
        return run_job(spec.job_id, services.runner_deps())
    finally:
        services.close()


def _digest(rows: list[list[Any]]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(_encoded(row))
    return digest.hexdigest()


def _encoded(row: Sequence[Any]) -> bytes:
    return repr([(type(value).__name__, value) for value in row]).encode()


def _wait_for(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the fake Graph API did not start")
