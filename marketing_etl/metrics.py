"""The store's figures as Prometheus metric families, read at each scrape (a custom collector).

Jobs and API calls are recorded in the store by whichever process ran them (a Celery worker in
another container, the local pool), so the figures are aggregated there, not counted in memory:
the job duration histogram too, which a worker's in-process histogram could not give the API
process that is scraped. Every figure reads the store's rollups (all-time rows per group), so a
scrape costs the same however long the history. The API-call counters are the daily rollups
summed per platform: they only ever grow, also when retention prunes the raw call records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from marketing_etl.contracts.job_stats import StatusTypeFigures
from marketing_etl.contracts.metrics import DURATION_BUCKETS_S, QueueSummary
from marketing_etl.contracts.notifications import DeliveryState, Notification
from marketing_etl.contracts.rollups import DAY_S, ERROR, OK, CallCounters
from marketing_etl.contracts.store import Store
from marketing_etl.models import JobStatus

PREFIX = "marketing_etl"
SHEETS = "sheets"
# The bounds as the hand-written exposition wrote them ("10", not "10.0"): saved queries and
# dashboards may match on the `le` label.
_BOUNDS = [str(int(bound)) if bound.is_integer() else repr(bound) for bound in DURATION_BUCKETS_S]
# A delivery attempt's label by the state it left its notification in.
_OUTCOMES = {DeliveryState.SENT: "sent", DeliveryState.PENDING: "retrying", DeliveryState.FAILED: "failed"}


class StoreCollector(Collector):
    """`task_types`: the registered ones, each given a sample even before its first job;
    `now`: the moment queue waits are measured to."""

    def __init__(self, store: Store, now: datetime, task_types: Sequence[str]) -> None:
        self._store = store
        self._now = now
        self._task_types = task_types

    def collect(self) -> Iterator[Metric]:
        # The dashboard's own aggregate (store.job_stats), over all time, with the histogram.
        figures = self._store.job_stats.by_status_and_type(histogram=True)
        jobs = {key: f.jobs for key, f in figures.items()}
        yield _jobs(jobs, self._task_types)
        queued = sum(n for (status, _), n in jobs.items() if status == JobStatus.QUEUED.value)
        yield _gauge("queue_depth", "Jobs waiting for a worker (QUEUED).", queued)
        yield _gauge(
            "oldest_queued_job_age_seconds",
            "Seconds the longest-waiting QUEUED job has waited since it was queued (0 when none).",
            _oldest_age_s(self._store.metrics.queue_summary(), self._now),
        )
        yield _durations(figures)
        yield from _calls(self._store.rollups.by_platform(DAY_S, None))
        yield _gauge(
            "totals_mismatch_jobs",
            "Jobs whose totals check found the rows' sums differing from the platform's totals.",
            self._store.totals_checks.count_mismatches(None, None),
        )
        yield _channels(self._store.notifications.latest_by_channel())
        yield _deliveries(self._store.notifications.delivery_totals())
        pruned = CounterMetricFamily(
            f"{PREFIX}_pruned_rows_total",
            "Expired raw records deleted by retention passes (every process's), by kind.",
            labels=["kind"],
        )
        for kind, n in self._store.pruning.pruned_totals().items():
            pruned.add_metric([kind.value], n)
        yield pruned


def _channels(latest: Mapping[str, Notification]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        f"{PREFIX}_notification_channel_broken",
        "1 while a notification channel's latest delivery failed after every retry, else 0.",
        labels=["channel"],
    )
    for channel, notification in sorted(latest.items()):
        family.add_metric([channel], int(notification.state is DeliveryState.FAILED))
    return family


def _deliveries(totals: Mapping[tuple[str, DeliveryState], int]) -> CounterMetricFamily:
    family = CounterMetricFamily(
        f"{PREFIX}_notification_deliveries_total",
        "Notification delivery attempts by channel kind and outcome: sent, retrying (failed, to be "
        "tried again) or failed (the last try failed, or the channel refused).",
        labels=["channel", "state"],
    )
    for (channel, state), count in sorted(totals.items()):
        family.add_metric([channel, _OUTCOMES[state]], count)
    return family


def _gauge(name: str, help_text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", help_text, value=value)


def _jobs(jobs: Mapping[tuple[str, str], int], task_types: Sequence[str]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        f"{PREFIX}_jobs", "Jobs in the store by status and task type.", labels=["status", "task_type"]
    )
    # Every combination, zeros included, so a graph of FAILED jobs exists before the first failure;
    # stored jobs of a task type no longer installed keep theirs.
    every = [*task_types, *sorted({task for _, task in jobs} - set(task_types))]
    for status in JobStatus:
        for task in every:
            family.add_metric([status.value, task], jobs.get((status.value, task), 0))
    return family


def _oldest_age_s(queue: QueueSummary, now: datetime) -> float:
    if queue.oldest_queued_at is None:
        return 0.0
    # Another process's clock may run a little ahead; a negative wait would only confuse graphs.
    return round(max(0.0, (now - queue.oldest_queued_at).total_seconds()), 3)


def _durations(figures: Mapping[tuple[str, str], StatusTypeFigures]) -> HistogramMetricFamily:
    """Per task type and finishing status with at least one job that ran (the others have none)."""
    family = HistogramMetricFamily(
        f"{PREFIX}_job_duration_seconds",
        "Run time of finished jobs, start to end.",
        labels=["task_type", "status"],
    )
    for (status, task_type), f in sorted(figures.items(), key=lambda item: (item[0][1], item[0][0])):
        if f.timed:
            buckets = [*zip(_BOUNDS, f.duration_buckets, strict=True), ("+Inf", f.timed)]
            family.add_metric([task_type, status], [(le, float(n)) for le, n in buckets], f.duration_sum_s)
    return family


def _calls(calls: Mapping[str, CallCounters]) -> Iterator[Metric]:
    platforms = sorted(calls)
    api_calls = CounterMetricFamily(
        f"{PREFIX}_api_calls_total",
        "Ad platform API calls by platform and outcome.",
        labels=["platform", "outcome"],
    )
    for platform in platforms:
        if platform != SHEETS:
            for outcome, count in _outcomes(calls[platform]):
                api_calls.add_metric([platform, outcome], count)
    yield api_calls
    sheets = CounterMetricFamily(
        f"{PREFIX}_sheets_calls_total", "Google Sheets API calls by outcome.", labels=["outcome"]
    )
    for outcome, count in _outcomes(calls.get(SHEETS)):
        sheets.add_metric([outcome], count)
    yield sheets
    waits = CounterMetricFamily(
        f"{PREFIX}_rate_limit_wait_seconds_total",
        "Seconds jobs waited for rate limits and backoff before calls, by platform.",
        labels=["platform"],
    )
    for platform in platforms:
        waits.add_metric([platform], calls[platform].wait_s)
    yield waits


def _outcomes(counters: CallCounters | None) -> list[tuple[str, int]]:
    # Both outcomes once a platform has calls, so a graph of errors exists before the first one.
    return [] if counters is None else [(OK, counters.ok), (ERROR, counters.errors)]
