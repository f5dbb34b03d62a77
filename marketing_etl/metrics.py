"""Prometheus metrics, read from the store at each scrape and written in the text format.

Jobs and API calls are recorded in the store by whichever process ran them (a Celery worker in
another container, the local pool), so the figures are aggregated there, not counted in memory.
API-call totals only grow, so calls older than SETTLE_S are summed once and kept, and each
scrape only aggregates the recent ones (through the ts index).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from marketing_etl.models import JobStatus, TaskType
from marketing_etl.storage.base import Store
from marketing_etl.storage.metrics_base import DURATION_BUCKETS_S, CallTotals, Durations, QueueSummary

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PREFIX = "marketing_etl"
SHEETS = "sheets"
# A call row is written right after the call; one older than this is taken to be in the store.
SETTLE_S = 300

Labels = Mapping[str, str]
Sample = tuple[str, Labels, float]


class CallTotalsCache:
    """All-time API-call totals: a settled part kept in memory plus a fresh recent part."""

    def __init__(self) -> None:
        self._settled: dict[tuple[str, str], CallTotals] = {}
        self._horizon: datetime | None = None
        self._lock = threading.Lock()

    def totals(self, store: Store, now: datetime) -> dict[tuple[str, str], CallTotals]:
        horizon = now - timedelta(seconds=SETTLE_S)
        with self._lock:
            if self._horizon is None or horizon > self._horizon:
                _add(self._settled, store.metrics.api_call_totals(self._horizon, horizon))
                self._horizon = horizon
            combined = {key: CallTotals(t.calls, t.wait_s) for key, t in self._settled.items()}
            _add(combined, store.metrics.api_call_totals(self._horizon, None))
        return combined


def _add(into: dict[tuple[str, str], CallTotals], more: Mapping[tuple[str, str], CallTotals]) -> None:
    for key, extra in more.items():
        current = into.setdefault(key, CallTotals())
        current.calls += extra.calls
        current.wait_s += extra.wait_s


def render(store: Store, calls: CallTotalsCache, now: datetime) -> str:
    jobs = store.metrics.jobs_by_status_and_type()
    call_totals = calls.totals(store, now)
    lines: list[str] = []
    _family(lines, "jobs", "gauge", "Jobs in the store by status and task type.", _job_samples(jobs))
    queued = sum(n for (status, _), n in jobs.items() if status == JobStatus.QUEUED.value)
    _family(lines, "queue_depth", "gauge", "Jobs waiting for a worker (QUEUED).", [("", {}, queued)])
    _family(
        lines, "oldest_queued_job_age_seconds", "gauge",
        "Seconds the longest-waiting QUEUED job has waited since it was queued (0 when none).",
        [("", {}, _oldest_age_s(store.metrics.queue_summary(), now))],
    )
    _family(
        lines, "job_duration_seconds", "histogram", "Run time of finished jobs, start to end.",
        _histogram_samples(store.metrics.finished_durations()),
    )
    ad_calls = {key: t for key, t in call_totals.items() if key[0] != SHEETS}
    _family(
        lines, "api_calls_total", "counter", "Ad platform API calls by platform and outcome.",
        [("", {"platform": p, "outcome": o}, t.calls) for (p, o), t in sorted(ad_calls.items())],
    )
    _family(
        lines, "sheets_calls_total", "counter", "Google Sheets API calls by outcome.",
        [("", {"outcome": o}, t.calls) for (p, o), t in sorted(call_totals.items()) if p == SHEETS],
    )
    _family(
        lines, "rate_limit_wait_seconds_total", "counter",
        "Seconds jobs waited for rate limits and backoff before calls, by platform.",
        [("", {"platform": p}, wait) for p, wait in sorted(_waits(call_totals).items())],
    )
    return "\n".join(lines) + "\n"


def _oldest_age_s(queue: QueueSummary, now: datetime) -> float:
    if queue.oldest_queued_at is None:
        return 0.0
    # Another process's clock may run a little ahead; a negative wait would only confuse graphs.
    return round(max(0.0, (now - queue.oldest_queued_at).total_seconds()), 3)


def _job_samples(jobs: Mapping[tuple[str, str], int]) -> list[Sample]:
    # Every combination, zeros included, so a graph of FAILED jobs exists before the first failure.
    return [
        ("", {"status": status.value, "task_type": task.value}, jobs.get((status.value, task.value), 0))
        for status in JobStatus
        for task in TaskType
    ]


def _histogram_samples(durations: Mapping[str, Durations]) -> list[Sample]:
    samples: list[Sample] = []
    for task_type, figures in sorted(durations.items()):
        for bound, count in zip(DURATION_BUCKETS_S, figures.buckets, strict=True):
            samples.append(("_bucket", {"task_type": task_type, "le": _number(bound)}, count))
        samples.append(("_bucket", {"task_type": task_type, "le": "+Inf"}, figures.count))
        samples.append(("_sum", {"task_type": task_type}, figures.sum_s))
        samples.append(("_count", {"task_type": task_type}, figures.count))
    return samples


def _waits(call_totals: Mapping[tuple[str, str], CallTotals]) -> dict[str, float]:
    waits: dict[str, float] = {}
    for (platform, _), totals in call_totals.items():
        waits[platform] = waits.get(platform, 0.0) + totals.wait_s
    return waits


def _family(lines: list[str], name: str, kind: str, help_text: str, samples: Iterable[Sample]) -> None:
    full = f"{PREFIX}_{name}"
    lines += [f"# HELP {full} {help_text}", f"# TYPE {full} {kind}"]
    for suffix, labels, value in samples:
        lines.append(f"{full}{suffix}{_labels(labels)} {_number(value)}")


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in labels.items()) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
