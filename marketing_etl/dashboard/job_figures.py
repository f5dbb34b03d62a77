"""The job side of the dashboard's overview and platform tabs: cards, mixes and top users.

Every figure is the answer of one aggregate query (`store.job_stats`): counts, sums and top lists
computed by the database over the jobs created in the window, never jobs paged into Python. The
/api/dashboard counts and GET /metrics read the same queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from marketing_etl.contracts.job_stats import StatusTypeFigures, UserFigures
from marketing_etl.contracts.store import Store
from marketing_etl.models import FINISHED_STATUSES, JobStatus

TOP_TEMPLATES = 50


@dataclass(frozen=True)
class JobFigures:
    by_status_and_type: dict[tuple[str, str], StatusTypeFigures]
    templates: list[tuple[str, int]]  # most used first, at most TOP_TEMPLATES
    users: UserFigures

    def _sum(self, attribute: str, statuses: Iterable[str] | None = None) -> float:
        wanted = None if statuses is None else set(statuses)
        total: float = 0
        for (status, _), figures in self.by_status_and_type.items():
            if wanted is None or status in wanted:
                total += getattr(figures, attribute)
        return total

    @property
    def total(self) -> int:
        return int(self._sum("jobs"))

    @property
    def succeeded(self) -> int:
        return int(self._sum("jobs", [JobStatus.SUCCESS.value]))

    @property
    def success_rate_pct(self) -> float | None:
        """Of finished jobs: a running one has not succeeded or failed yet."""
        finished = self._sum("jobs", FINISHED_STATUSES)
        return round(100 * self.succeeded / finished, 1) if finished else None

    @property
    def avg_duration_s(self) -> float | None:
        """Over finished jobs that started; a running job's time is still growing."""
        timed = self._sum("timed")
        return round(self._sum("duration_sum_s") / timed, 2) if timed else None

    @property
    def rows_written(self) -> int:
        return int(self._sum("rows_written"))

    def counts_by_status(self) -> dict[str, int]:
        # Every status, zeros included, keeps the dashboard's charts and cards stable.
        return counts(self.by_status_and_type, 0, [s.value for s in JobStatus])

    def counts_by_task_type(self, task_types: Iterable[str]) -> dict[str, int]:
        return counts(self.by_status_and_type, 1, list(task_types))


def counts(
    by_status_and_type: dict[tuple[str, str], StatusTypeFigures], position: int, every: list[str]
) -> dict[str, int]:
    """Jobs per status (position 0) or per task type (1), with a zero for each absent one."""
    totals = dict.fromkeys(every, 0)
    for key, figures in by_status_and_type.items():
        if key[position] in totals:
            totals[key[position]] += figures.jobs
    return totals


def job_figures(
    store: Store, since: datetime | None, task_types: list[str] | None, top_users: int
) -> JobFigures:
    """Three queries: by status and task type, by template, by user (`top_users` of them, and
    the number of distinct users). `task_types`: a platform's, or None for every job."""
    stats = store.job_stats
    return JobFigures(
        by_status_and_type=stats.by_status_and_type(since, task_types),
        templates=stats.top_templates(since, task_types, TOP_TEMPLATES),
        users=stats.users(since, task_types, top_users),
    )
