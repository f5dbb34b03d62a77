"""The jobs list, page by page (reached as `store.job_pages`).

A page continues from the position of a job in the sort order (its sort value and job_id: a
`PageKey`) instead of skipping `offset` rows, so page 500 costs what page 1 does. The order is
list_jobs' own: the sort field ascending or descending, empty values (never started / finished)
as the smallest (first ascending, last descending), job_id ascending between equal values.
How each backend reads such a page is in storage/keyset.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from marketing_etl.models import Job, JobFilter


@dataclass(frozen=True)
class PageKey:
    """Where a job sits in a sort order: its value of the sort field and its job_id."""

    value: Any
    job_id: str


@dataclass
class JobPage:
    jobs: list[Job] = field(default_factory=list)
    more_after: bool = False  # jobs follow the last one of this page
    more_before: bool = False  # jobs precede the first one (a previous page exists)


class JobPages(Protocol):
    def page(
        self,
        flt: JobFilter,
        sort: str,
        limit: int,
        *,
        after: PageKey | None = None,
        before: PageKey | None = None,
        offset: int = 0,
    ) -> JobPage:
        """`limit` jobs matching the filter in `sort` order (list_jobs' sort names): the first
        ones, those right after `after`, those right before `before` (the first page if fewer
        than `limit` precede it), or, for old clients, those after skipping `offset`."""

    def count(self, flt: JobFilter, cap: int) -> int:
        """Jobs matching the filter, counting no further than `cap`."""
