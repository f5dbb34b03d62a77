"""Timing the dashboard's HTTP endpoints one request at a time, as one user's browser asks.

Each endpoint gets one untimed GET, then `requests` timed GETs in a row, or as many as fit in
`budget_s` (at least one, and a request is never cut short), so a slow build of the dashboard
still finishes the benchmark.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

RANGES = ("24h", "7d", "30d", "all")
VIEWS = ("", "/summary", "/facebook", "/tiktok")
LIST_PAGE = 1_000


@dataclass
class Timing:
    name: str
    durations_ms: list[float]

    def cells(self) -> list[str]:
        ordered = sorted(self.durations_ms)
        return [
            self.name,
            str(len(ordered)),
            f"{percentile(ordered, 0.50):.1f}",
            f"{percentile(ordered, 0.95):.1f}",
            f"{ordered[-1]:.1f}",
        ]


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class Timer:
    client: httpx.Client
    requests: int
    budget_s: float

    def get(self, name: str, path: str, params: dict[str, Any] | None = None) -> Timing:
        # One untimed request first: a server that has run for a while has compiled and cached
        # this query shape already (SQLAlchemy's statement cache, the database's plan cache).
        self.client.get(path, params=params).raise_for_status()
        durations_ms: list[float] = []
        deadline = time.monotonic() + self.budget_s
        while len(durations_ms) < self.requests and (not durations_ms or time.monotonic() < deadline):
            started = time.perf_counter()
            response = self.client.get(path, params=params)
            durations_ms.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
        return Timing(name, durations_ms)


def _next_cursor(page: dict[str, Any]) -> str | None:
    cursor = page.get("next_cursor", page.get("cursor"))
    return str(cursor) if cursor else None


def list_page_params(client: httpx.Client, page: int, page_size: int) -> tuple[dict[str, Any], str]:
    """The query of page `page` of the whole job list, and how it is reached: by following the
    list's cursors from page 1 when its answers carry one (keyset paging), else by page number."""
    params: dict[str, Any] = {"time_range": "all", "page_size": page_size}
    first = client.get("/api/dashboard", params=params)
    first.raise_for_status()
    cursor = _next_cursor(first.json())
    if cursor is None:
        return {**params, "page": page}, "page number"
    for _ in range(page - 2):
        following = client.get("/api/dashboard", params={**params, "cursor": cursor})
        following.raise_for_status()
        cursor = _next_cursor(following.json())
        if cursor is None:
            raise RuntimeError(f"the job list ended before page {page}; seed more jobs")
    return {**params, "cursor": cursor}, "cursor"


def sample_job_id(client: httpx.Client) -> str:
    """A finished Facebook job of the last week, with its calls and log: a typical job page."""
    params: dict[str, Any] = {
        "time_range": "7d",
        "status": "SUCCESS",
        "task_type": "facebook_daily",
        "page_size": 1,
    }
    response = client.get("/api/dashboard", params=params)
    response.raise_for_status()
    return str(response.json()["jobs"][0]["job_id"])


def time_endpoints(timer: Timer, jobs: int) -> Iterator[Timing]:
    """Every dashboard JSON endpoint for each time range, a job's page, the job list at pages 1
    and 1,000, and /metrics."""
    for time_range in RANGES:
        for view in VIEWS:
            path = f"/api/dashboard{view}"
            yield timer.get(f"{path}?time_range={time_range}", path, {"time_range": time_range})
    job_id = sample_job_id(timer.client)
    yield timer.get("/api/dashboard/jobs/{id}", f"/api/dashboard/jobs/{job_id}")
    yield timer.get("/api/dashboard/jobs/{id}/api-usage", f"/api/dashboard/jobs/{job_id}/api-usage")
    # The job list's page 1,000 must exist: fewer jobs, smaller pages.
    page_size = max(1, min(50, jobs // LIST_PAGE))
    yield timer.get(
        f"job list page 1 (all, {page_size}/page)",
        "/api/dashboard",
        {"time_range": "all", "page_size": page_size},
    )
    params, how = list_page_params(timer.client, LIST_PAGE, page_size)
    yield timer.get(f"job list page {LIST_PAGE:,} (by {how})", "/api/dashboard", params)
    yield timer.get("/metrics", "/metrics")
