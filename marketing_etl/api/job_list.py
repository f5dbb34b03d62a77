"""One page of the dashboard's jobs list (GET /api/dashboard), with bounded costs.

`cursor` (from the previous answer's next_cursor / prev_cursor) is the fast path: the page is
read from a job's position in the sort order (keyset), so page 1,000 costs what page 1 does.
`page` still works, for the original dashboard's clients, by skipping rows (slower the further
it goes). The total is counted up to TOTAL_CAP jobs only; past it the answer says
`total_capped` and `total` is TOTAL_CAP.
"""

from __future__ import annotations

from dataclasses import dataclass

from marketing_etl.api import job_cursor
from marketing_etl.contracts.store import Store
from marketing_etl.models import Job, JobFilter, JobSort
from marketing_etl.storage.keyset import Ordering

TOTAL_CAP = 10_000


@dataclass(frozen=True)
class JobListPage:
    jobs: list[Job]
    page: int
    total: int
    total_capped: bool
    next_cursor: str | None
    prev_cursor: str | None


def jobs_page(
    store: Store, flt: JobFilter, sort: JobSort, page: int, page_size: int, cursor: str | None
) -> JobListPage:
    pages = store.job_pages
    order = str(sort)
    if cursor is None:
        found = pages.page(flt, order, page_size, offset=(page - 1) * page_size)
    else:
        key, direction = job_cursor.decode(cursor, sort)
        if direction == "after":
            found = pages.page(flt, order, page_size, after=key)
        else:
            found = pages.page(flt, order, page_size, before=key)
        # Going back past the start gives the first page: say so, whatever page the client counted.
        page = page if found.more_before else 1
    counted = pages.count(flt, TOTAL_CAP + 1)
    ordering = Ordering.of(order)
    first, last = (found.jobs[0], found.jobs[-1]) if found.jobs else (None, None)
    return JobListPage(
        jobs=found.jobs,
        page=page,
        total=min(counted, TOTAL_CAP),
        total_capped=counted > TOTAL_CAP,
        next_cursor=_cursor(sort, ordering, last, "after") if found.more_after else None,
        prev_cursor=_cursor(sort, ordering, first, "before") if found.more_before else None,
    )


def _cursor(
    sort: JobSort, ordering: Ordering, job: Job | None, direction: job_cursor.Direction
) -> str | None:
    return None if job is None else job_cursor.encode(sort, ordering.key_of(job), direction)
