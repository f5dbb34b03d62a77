"""Contract: keyset pages of the jobs list (`store.job_pages`). Walking page by page, forwards or
backwards, under every sort, gives exactly list_jobs' order: no page overlaps or skips another,
with ties, empty values, filters, and jobs created between two pages."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from marketing_etl.contracts.job_pages import JobPage
from marketing_etl.contracts.store import Store
from marketing_etl.models import JOB_SORT_FIELDS, Job, JobFilter, JobStatus
from marketing_etl.storage.keyset import Ordering
from tests.plugins import PLATFORM_TASK_TYPES, TASK_TYPES
from tests.storage.factory import T0, make_job

SORTS = sorted(f"{sign}{name}" for name in JOB_SORT_FIELDS for sign in ("", "-"))
USERS = ["ann@example.com", "bob@example.com", "Carol@example.com", "dan@example.com"]
TIKTOK = {"advertiser_id": "7012345678901234567", "store_id": "7398765432109876543"}


def random_job(rng: random.Random, job_id: str) -> Job:
    """Few distinct values per field, so every sort has long runs of ties; empty start and
    end times for the jobs that never started or finished."""
    status = rng.choice(list(JobStatus))
    task_type = rng.choice(TASK_TYPES)
    spec: dict[str, Any] = {"task_type": task_type, "user_email": rng.choice(USERS)}
    spec["sheet_name"] = rng.choice(["Daily", "Weekly spend", "GMV"])
    if task_type in PLATFORM_TASK_TYPES["tiktok"]:
        spec |= TIKTOK
    fields: dict[str, Any] = {"status": status, "created_at": T0 + timedelta(minutes=rng.randrange(8))}
    if status is not JobStatus.QUEUED and rng.random() < 0.8:
        fields["started_at"] = T0 + timedelta(hours=rng.randrange(4))
    if status.finished and rng.random() < 0.8:
        fields["finished_at"] = T0 + timedelta(hours=4 + rng.randrange(3))
    return make_job(job_id, spec=spec, **fields)


@pytest.fixture
def jobs(store: Store) -> Store:
    rng = random.Random(12)
    # Ids of several shapes (prefixes of each other, digits, upper case) to exercise their order.
    ids = [f"job-{i}" for i in range(25)] + [f"Job-{i:03d}" for i in range(10)] + ["job", "job-1-a", "a"]
    for job_id in ids:
        assert store.insert_job(random_job(rng, job_id))
    return store


def everything(store: Store, flt: JobFilter, sort: str) -> list[str]:
    rows, _ = store.list_jobs(flt, 0, 1000, sort)
    return [job.job_id for job in rows]


def ids(page: JobPage) -> list[str]:
    return [job.job_id for job in page.jobs]


def walk_forward(store: Store, flt: JobFilter, sort: str, size: int) -> list[JobPage]:
    ordering = Ordering.of(sort)
    pages = [store.job_pages.page(flt, sort, size)]
    while pages[-1].more_after:
        pages.append(store.job_pages.page(flt, sort, size, after=ordering.key_of(pages[-1].jobs[-1])))
        assert len(pages) < 100
    return pages


FILTERS = {
    "none": JobFilter(),
    "since": JobFilter(since=T0 + timedelta(minutes=3)),
    "status": JobFilter(status=JobStatus.FAILED),
    "user+since": JobFilter(user_email="bob@example.com", since=T0 + timedelta(minutes=2)),
    "q": JobFilter(q="weekly"),
}


@pytest.mark.parametrize("sort", SORTS)
def test_pages_forward_and_back_give_list_jobs_order(jobs: Store, sort: str) -> None:
    for name, flt in FILTERS.items():
        for size in (2, 7):
            check_walks(jobs, flt, sort, size, f"{name}, {size} a page")


def check_walks(store: Store, flt: JobFilter, sort: str, size: int, case: str) -> None:
    expected = everything(store, flt, sort)
    pages = walk_forward(store, flt, sort, size)
    assert [job_id for page in pages for job_id in ids(page)] == expected, case
    assert all(len(page.jobs) == size for page in pages[:-1]), case
    assert [page.more_before for page in pages] == [False] + [True] * (len(pages) - 1), case
    # Backwards from the last page: each previous page ends right before the current one;
    # near the start, the first page (full) instead.
    ordering, current = Ordering.of(sort), pages[-1]
    while current.more_before:
        start = expected.index(current.jobs[0].job_id)
        previous = store.job_pages.page(flt, sort, size, before=ordering.key_of(current.jobs[0]))
        if start > size:
            assert ids(previous) == expected[start - size : start], case
            assert previous.more_before and previous.more_after, case
        else:
            assert ids(previous) == expected[:size] and not previous.more_before, case
        current = previous


@pytest.mark.parametrize("sort", SORTS)
def test_jobs_created_between_pages_neither_repeat_nor_hide_others(jobs: Store, sort: str) -> None:
    before = set(everything(jobs, JobFilter(), sort))
    rng, ordering = random.Random(sort), Ordering.of(sort)
    seen: list[str] = []
    page = jobs.job_pages.page(JobFilter(), sort, 5)
    for n in range(100):
        seen += ids(page)
        # New jobs land before, at and after the position reached, ties included.
        for k in range(3):
            assert jobs.insert_job(random_job(rng, f"new-{n}-{k}"))
        if not page.more_after:
            break
        page = jobs.job_pages.page(JobFilter(), sort, 5, after=ordering.key_of(page.jobs[-1]))
    assert len(seen) == len(set(seen))  # no job twice
    assert before <= set(seen)  # none of the jobs there all along skipped
    final = everything(jobs, JobFilter(), sort)
    assert sorted(seen, key=final.index) == seen  # and all in the one order


def test_old_clients_page_by_offset(jobs: Store) -> None:
    expected = everything(jobs, JobFilter(), "-created_at")
    page = jobs.job_pages.page(JobFilter(), "-created_at", 5, offset=10)
    assert ids(page) == expected[10:15] and page.more_before and page.more_after
    last = jobs.job_pages.page(JobFilter(), "-created_at", 5, offset=len(expected) - 2)
    assert ids(last) == expected[-2:] and not last.more_after
    assert jobs.job_pages.page(JobFilter(), "-created_at", 5, offset=500).jobs == []
    # A key wins over an offset.
    after = Ordering.of("-created_at").key_of(page.jobs[-1])
    assert ids(jobs.job_pages.page(JobFilter(), "-created_at", 5, after=after, offset=99)) == expected[15:20]


def test_edges(jobs: Store) -> None:
    pages = jobs.job_pages
    assert pages.page(JobFilter(), "job_id", 0) == JobPage()
    everything_ = pages.page(JobFilter(), "job_id", 1000)
    assert len(everything_.jobs) == 38 and not everything_.more_after and not everything_.more_before
    assert pages.page(JobFilter(status=JobStatus.QUEUED, q="nothing-matches"), "status", 10) == JobPage()
    with pytest.raises(ValueError, match="sort"):
        pages.page(JobFilter(), "sheet_name", 10)
    key = Ordering.of("job_id").key_of(everything_.jobs[3])
    with pytest.raises(ValueError, match="not both"):
        pages.page(JobFilter(), "job_id", 10, after=key, before=key)
    with pytest.raises(ValueError, match="offset"):
        pages.page(JobFilter(), "job_id", 10, offset=-1)


def test_counts_stop_at_the_cap(jobs: Store) -> None:
    assert jobs.job_pages.count(JobFilter(), 1000) == 38
    assert jobs.job_pages.count(JobFilter(), 10) == 10
    assert jobs.job_pages.count(JobFilter(), 0) == 0
    failed = jobs.list_jobs(JobFilter(status=JobStatus.FAILED), 0, 1)[1]
    assert jobs.job_pages.count(JobFilter(status=JobStatus.FAILED), 1000) == failed
