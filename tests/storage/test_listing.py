"""Contract: the dashboard's queries - filtering, searching, paging, sorting and counting jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from marketing_etl.contracts.store import Store
from marketing_etl.models import JobFilter, JobStatus
from tests.storage.factory import T0, make_job

HOUR = timedelta(hours=1)
# job_id, minute created, spec fields, job fields
JOBS: list[tuple[str, int, dict[str, Any], dict[str, Any]]] = [
    (
        "alpha-1",
        0,
        {
            "user_email": "ann@example.com",
            "sheet_name": "Daily Spend",
            "template_name": "Account Daily Report",
        },
        {},
    ),
    (
        "beta-2",
        1,
        {
            "task_type": "facebook_performance",
            "user_email": "bob@example.com",
            "sheet_name": "Weekly ROAS",
            "template_name": "Ad Performance Report",
        },
        {"status": JobStatus.RUNNING, "started_at": T0 + HOUR},
    ),
    (
        "gamma-3",
        2,
        {"task_type": "product", "user_email": "carol@shop.vn", "sheet_name": "GMV Products"},
        {"status": JobStatus.SUCCESS, "started_at": T0 + 2 * HOUR, "finished_at": T0 + 2.5 * HOUR},
    ),
    (
        "delta-4",
        3,
        {
            "user_email": "ann@example.com",
            "sheet_name": "Daily Spend",
            "template_name": "Account Daily Report",
        },
        {"status": JobStatus.FAILED, "started_at": T0 + 3 * HOUR, "finished_at": T0 + 3.5 * HOUR},
    ),
    (
        "eps-5",
        4,
        {"task_type": "creative", "user_email": "bob@example.com", "sheet_name": "Gross_Margin"},
        {},
    ),
]
NEWEST_FIRST = ["eps-5", "delta-4", "gamma-3", "beta-2", "alpha-1"]


@pytest.fixture
def jobs(store: Store) -> Store:
    for job_id, minute, spec, fields in JOBS:
        assert store.insert_job(make_job(job_id, minute=minute, spec=spec, **fields))
    return store


def ids(
    store: Store, flt: JobFilter, offset: int = 0, limit: int = 100, sort: str = "-created_at"
) -> list[str]:
    page, _total = store.list_jobs(flt, offset, limit, sort)
    return [job.job_id for job in page]


def test_no_filter_lists_every_job_newest_first(jobs: Store) -> None:
    page, total = jobs.list_jobs(JobFilter(), 0, 100)
    assert [job.job_id for job in page] == NEWEST_FIRST
    assert total == 5
    assert page[2] == jobs.get_job("gamma-3")


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (JobFilter(status=JobStatus.QUEUED), ["eps-5", "alpha-1"]),
        (JobFilter(task_type="facebook_daily"), ["delta-4", "alpha-1"]),
        (JobFilter(template_name="Account Daily Report"), ["delta-4", "alpha-1"]),
        (JobFilter(user_email="bob@example.com"), ["eps-5", "beta-2"]),
        (JobFilter(since=T0 + timedelta(minutes=2)), ["eps-5", "delta-4", "gamma-3"]),
        (JobFilter(task_type="facebook_daily", status=JobStatus.FAILED), ["delta-4"]),
        (JobFilter(status=JobStatus.CANCELLED), []),
    ],
    ids=["status", "task_type", "template", "user_email", "since", "combined", "none"],
)
def test_filters(jobs: Store, flt: JobFilter, expected: list[str]) -> None:
    assert ids(jobs, flt) == expected
    assert jobs.list_jobs(flt, 0, 1)[1] == len(expected)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ALPHA", ["alpha-1"]),  # job_id
        ("Carol@SHOP", ["gamma-3"]),  # user_email
        ("weekly roas", ["beta-2"]),  # sheet_name
        ("BOB", ["eps-5", "beta-2"]),
        ("gross_", ["eps-5"]),
        ("y_s", []),  # "_" is a literal, not LIKE's any-character
        ("%", []),
        (".*", []),  # nor a regular expression
    ],
)
def test_q_is_a_case_insensitive_substring_of_id_email_or_sheet(
    jobs: Store, q: str, expected: list[str]
) -> None:
    assert ids(jobs, JobFilter(q=q)) == expected


def test_pages_carry_the_total(jobs: Store) -> None:
    assert jobs.list_jobs(JobFilter(), 0, 2)[1] == 5
    assert ids(jobs, JobFilter(), 0, 2) == NEWEST_FIRST[:2]
    assert ids(jobs, JobFilter(), 2, 2) == NEWEST_FIRST[2:4]
    assert ids(jobs, JobFilter(), 4, 2) == NEWEST_FIRST[4:]
    assert jobs.list_jobs(JobFilter(), 10, 2) == ([], 5)
    assert jobs.list_jobs(JobFilter(), 0, 0) == ([], 5)
    page, total = jobs.list_jobs(JobFilter(user_email="ann@example.com"), 1, 1)
    assert ([job.job_id for job in page], total) == (["alpha-1"], 2)


def test_negative_paging_is_refused(jobs: Store) -> None:
    with pytest.raises(ValueError, match="offset"):
        jobs.list_jobs(JobFilter(), -1, 10)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("created_at", ["alpha-1", "beta-2", "gamma-3", "delta-4", "eps-5"]),
        ("-created_at", NEWEST_FIRST),
        ("job_id", ["alpha-1", "beta-2", "delta-4", "eps-5", "gamma-3"]),
        ("-job_id", ["gamma-3", "eps-5", "delta-4", "beta-2", "alpha-1"]),
        ("status", ["delta-4", "alpha-1", "eps-5", "beta-2", "gamma-3"]),
        ("-status", ["gamma-3", "beta-2", "alpha-1", "eps-5", "delta-4"]),
        ("task_type", ["eps-5", "alpha-1", "delta-4", "beta-2", "gamma-3"]),
        ("-user_email", ["gamma-3", "beta-2", "eps-5", "alpha-1", "delta-4"]),
        # jobs never started sort as the smallest value, both ways
        ("started_at", ["alpha-1", "eps-5", "beta-2", "gamma-3", "delta-4"]),
        ("-started_at", ["delta-4", "gamma-3", "beta-2", "alpha-1", "eps-5"]),
        ("finished_at", ["alpha-1", "beta-2", "eps-5", "gamma-3", "delta-4"]),
        ("-finished_at", ["delta-4", "gamma-3", "alpha-1", "beta-2", "eps-5"]),
    ],
)
def test_sorting_with_job_id_breaking_ties(jobs: Store, sort: str, expected: list[str]) -> None:
    assert ids(jobs, JobFilter(), sort=sort) == expected


@pytest.mark.parametrize("sort", ["sheet_name", "-spec", "", "created_at; drop table jobs"])
def test_unknown_sort_field_is_refused(jobs: Store, sort: str) -> None:
    with pytest.raises(ValueError, match="sort"):
        jobs.list_jobs(JobFilter(), 0, 10, sort)


def test_count_jobs_by(jobs: Store) -> None:
    assert jobs.count_jobs_by(JobFilter(), "status") == {"QUEUED": 2, "RUNNING": 1, "SUCCESS": 1, "FAILED": 1}
    assert jobs.count_jobs_by(JobFilter(), "task_type") == {
        "facebook_daily": 2,
        "facebook_performance": 1,
        "product": 1,
        "creative": 1,
    }
    assert jobs.count_jobs_by(JobFilter(), "user_email") == {
        "ann@example.com": 2,
        "bob@example.com": 2,
        "carol@shop.vn": 1,
    }
    assert jobs.count_jobs_by(JobFilter(q="bob"), "status") == {"QUEUED": 1, "RUNNING": 1}
    assert jobs.count_jobs_by(JobFilter(status=JobStatus.CANCELLED), "status") == {}


def test_count_by_unknown_field_is_refused(jobs: Store) -> None:
    with pytest.raises(ValueError, match="sheet_name"):
        jobs.count_jobs_by(JobFilter(), "sheet_name")
