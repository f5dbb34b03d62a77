"""Prometheus metrics, read from the store at each scrape and written in the text format.

Jobs and API calls are recorded in the store by whichever process ran them (a Celery worker in
another container, the local pool), so the figures are aggregated there, not counted in memory.
The API-call counters are the store's daily rollups summed per platform: a few rows per day, and
they only ever grow, also when retention prunes the raw call records, as counters must.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from marketing_etl.contracts.job_stats import StatusTypeFigures
from marketing_etl.contracts.metrics import DURATION_BUCKETS_S, Durations, QueueSummary
from marketing_etl.contracts.rollups import DAY_S, ERROR, OK, CallCounters
from marketing_etl.contracts.store import Store
from marketing_etl.models import JobStatus

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PREFIX = "marketing_etl"
SHEETS = "sheets"

Labels = Mapping[str, str]
Sample = tuple[str, Labels, float]


def render(store: Store, now: datetime, task_types: Sequence[str]) -> str:
    """`task_types`: the registered ones, each given a sample even before its first job."""
    # The dashboard's own aggregate (store.job_stats), over all time, with the histogram.
    figures = store.job_stats.by_status_and_type(histogram=True)
    jobs = {key: f.jobs for key, f in figures.items()}
    calls = store.rollups.by_platform(DAY_S, None)
    lines: list[str] = []
    samples = _job_samples(jobs, task_types)
    _family(lines, "jobs", "gauge", "Jobs in the store by status and task type.", samples)
    queued = sum(n for (status, _), n in jobs.items() if status == JobStatus.QUEUED.value)
    _family(lines, "queue_depth", "gauge", "Jobs waiting for a worker (QUEUED).", [("", {}, queued)])
    _family(
        lines, "oldest_queued_job_age_seconds", "gauge",
        "Seconds the longest-waiting QUEUED job has waited since it was queued (0 when none).",
        [("", {}, _oldest_age_s(store.metrics.queue_summary(), now))],
    )
    _family(
        lines, "job_duration_seconds", "histogram", "Run time of finished jobs, start to end.",
        _histogram_samples(_durations(figures)),
    )
    platforms = sorted(calls)
    _family(
        lines, "api_calls_total", "counter", "Ad platform API calls by platform and outcome.",
        [
            ("", {"platform": p, "outcome": outcome}, count)
            for p in platforms if p != SHEETS
            for outcome, count in _outcomes(calls[p])
        ],
    )
    _family(
        lines, "sheets_calls_total", "counter", "Google Sheets API calls by outcome.",
        [("", {"outcome": outcome}, count) for outcome, count in _outcomes(calls.get(SHEETS))],
    )
    _family(
        lines, "rate_limit_wait_seconds_total", "counter",
        "Seconds jobs waited for rate limits and backoff before calls, by platform.",
        [("", {"platform": p}, calls[p].wait_s) for p in platforms],
    )
    _family(
        lines, "pruned_rows_total", "counter",
        "Expired raw records deleted by retention passes (every process's), by kind.",
        [("", {"kind": kind.value}, n) for kind, n in store.pruning.pruned_totals().items()],
    )
    return "\n".join(lines) + "\n"


def _outcomes(counters: CallCounters | None) -> list[tuple[str, int]]:
    # Both outcomes once a platform has calls, so a graph of errors exists before the first one.
    return [] if counters is None else [(OK, counters.ok), (ERROR, counters.errors)]


def _oldest_age_s(queue: QueueSummary, now: datetime) -> float:
    if queue.oldest_queued_at is None:
        return 0.0
    # Another process's clock may run a little ahead; a negative wait would only confuse graphs.
    return round(max(0.0, (now - queue.oldest_queued_at).total_seconds()), 3)


def _job_samples(jobs: Mapping[tuple[str, str], int], task_types: Sequence[str]) -> list[Sample]:
    # Every combination, zeros included, so a graph of FAILED jobs exists before the first failure;
    # stored jobs of a task type no longer installed keep theirs.
    every = [*task_types, *sorted({task for _, task in jobs} - set(task_types))]
    return [
        ("", {"status": status.value, "task_type": task}, jobs.get((status.value, task), 0))
        for status in JobStatus
        for task in every
    ]


def _durations(figures: Mapping[tuple[str, str], StatusTypeFigures]) -> dict[str, Durations]:
    """Per task type with at least one finished job that ran (the others have no histogram)."""
    per_type: dict[str, Durations] = {}
    for (_, task_type), f in figures.items():
        if f.timed:
            total = per_type.setdefault(task_type, Durations())
            total.count += f.timed
            total.sum_s += f.duration_sum_s
            total.buckets = [a + b for a, b in zip(total.buckets, f.duration_buckets, strict=True)]
    return per_type


def _histogram_samples(durations: Mapping[str, Durations]) -> list[Sample]:
    samples: list[Sample] = []
    for task_type, figures in sorted(durations.items()):
        for bound, count in zip(DURATION_BUCKETS_S, figures.buckets, strict=True):
            samples.append(("_bucket", {"task_type": task_type, "le": _number(bound)}, count))
        samples.append(("_bucket", {"task_type": task_type, "le": "+Inf"}, figures.count))
        samples.append(("_sum", {"task_type": task_type}, figures.sum_s))
        samples.append(("_count", {"task_type": task_type}, figures.count))
    return samples


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
