"""models.py's job vocabulary: finished and active statuses, the sort, the filter fields."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from marketing_etl.models import (
    ACTIVE_STATUSES,
    FINISHED_STATUSES,
    JOB_SORT_FIELDS,
    JOB_SORT_PATTERN,
    JobFilter,
    JobSort,
    JobStatus,
)


def test_every_status_is_either_finished_or_active() -> None:
    assert set(FINISHED_STATUSES) | set(ACTIVE_STATUSES) == set(JobStatus)
    assert not set(FINISHED_STATUSES) & set(ACTIVE_STATUSES)
    assert [s for s in JobStatus if s.finished] == list(FINISHED_STATUSES)
    assert "CANCELLED" in FINISHED_STATUSES  # as a job's status reads in a JSON answer


def test_a_sort_reads_its_field_and_direction_and_writes_them_back() -> None:
    newest = JobSort.parse("-created_at")
    assert (newest.field, newest.descending) == ("created_at", True)
    assert (newest.nullable, newest.is_time) == (False, True)
    ended = JobSort.parse("finished_at")
    assert (ended.descending, ended.nullable, ended.is_time) == (False, True, True)
    assert (JobSort.parse("status").nullable, JobSort.parse("status").is_time) == (False, False)
    for field in JOB_SORT_FIELDS:
        for text in (field, f"-{field}"):
            assert str(JobSort.parse(text)) == text


@pytest.mark.parametrize("text", ["password", "--created_at", "", "-", "created_at "])
def test_an_unknown_sort_names_the_allowed_fields(text: str) -> None:
    with pytest.raises(ValueError, match=r"^cannot sort jobs by '.*'; use one of ") as refused:
        JobSort.parse(text)
    assert str(refused.value).endswith(", ".join(sorted(JOB_SORT_FIELDS)))
    assert re.fullmatch(JOB_SORT_PATTERN, text) is None


def test_the_query_pattern_accepts_exactly_what_parses() -> None:
    for field in JOB_SORT_FIELDS:
        assert re.fullmatch(JOB_SORT_PATTERN, f"-{field}")
        assert re.fullmatch(JOB_SORT_PATTERN, field)


def test_a_filter_matches_exactly_only_the_fields_it_sets() -> None:
    since = datetime(2026, 1, 1, tzinfo=UTC)
    assert JobFilter(q="ana", since=since).exact() == {}
    flt = JobFilter(status=JobStatus.FAILED, template_name="", user_email="ana@example.com", q="x")
    assert flt.exact() == {"status": "FAILED", "template_name": "", "user_email": "ana@example.com"}
    assert type(flt.exact()["status"]) is str
