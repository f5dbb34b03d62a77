"""GET /api/dashboard's jobs list: keyset pages through `cursor`, `page` for old clients, and
the capped total."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from marketing_etl.api import job_list
from marketing_etl.models import JobStatus
from tests.api.helpers import BOTH_BACKENDS, DASH_AUTH, Api
from tests.dashboard.support import seed_job

SORTS = ["-created_at", "created_at", "status", "-user_email", "-finished_at", "job_id", "-task_type"]


def get(api: Api, **params: Any) -> dict[str, Any]:
    response = api.client.get("/api/dashboard", params=params, auth=DASH_AUTH)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def ids(data: dict[str, Any]) -> list[str]:
    return [job["job_id"] for job in data["jobs"]]


@pytest.fixture
def seeded(api: Api) -> Api:
    statuses = [JobStatus.SUCCESS, JobStatus.FAILED, JobStatus.RUNNING, JobStatus.QUEUED]
    for i in range(11):
        user = f"user{i % 3}@example.com"
        task = "product" if i % 4 == 0 else "facebook_daily"
        seed_job(api.services, f"list-{i:02d}", statuses[i % 4], 1 + i / 10, user_email=user, task_type=task)
    return api


@BOTH_BACKENDS
@pytest.mark.parametrize("sort", SORTS)
def test_cursor_pages_match_the_numbered_pages(seeded: Api, sort: str) -> None:
    everything = ids(get(seeded, sort=sort, page_size=100))
    numbered = [ids(get(seeded, sort=sort, page_size=4, page=n)) for n in (1, 2, 3)]
    assert [job_id for page in numbered for job_id in page] == everything and len(everything) == 11

    forward, data = [], get(seeded, sort=sort, page_size=4)
    assert data["prev_cursor"] is None and data["total"] == 11 and not data["total_capped"]
    while True:
        forward.append(ids(data))
        if data["next_cursor"] is None:
            break
        data = get(seeded, sort=sort, page_size=4, cursor=data["next_cursor"], page=data["page"] + 1)
    assert forward == numbered and data["page"] == 3

    backward = []
    while data["prev_cursor"] is not None:
        data = get(seeded, sort=sort, page_size=4, cursor=data["prev_cursor"], page=data["page"] - 1)
        backward.append(ids(data))
    # Back from the last page (3 jobs): the 4 before it, then the 4 before those, the first page.
    assert backward == [everything[4:8], everything[:4]] and data["page"] == 1


def test_filters_apply_to_cursor_pages_and_counts_to_the_window(seeded: Api) -> None:
    first = get(seeded, status="FAILED", page_size=2)
    assert first["total"] == 3 and ids(first) == ["list-01", "list-05"]
    second = get(seeded, status="FAILED", page_size=2, cursor=first["next_cursor"])
    assert ids(second) == ["list-09"] and second["next_cursor"] is None
    assert second["counts_by_status"]["SUCCESS"] == 3  # the counts still cover the whole range
    assert sum(second["counts_by_task_type"].values()) == 11


def test_a_numbered_page_also_gives_cursors(seeded: Api) -> None:
    everything = ids(get(seeded, page_size=100))
    middle = get(seeded, page=2, page_size=3)
    assert ids(middle) == everything[3:6]
    assert ids(get(seeded, page_size=3, cursor=middle["next_cursor"])) == everything[6:9]
    assert ids(get(seeded, page_size=3, cursor=middle["prev_cursor"])) == everything[:3]
    past_the_end = get(seeded, page=9, page_size=3)
    assert past_the_end["jobs"] == [] and past_the_end["next_cursor"] is None


def test_the_total_is_counted_up_to_a_cap(seeded: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job_list, "TOTAL_CAP", 5)
    capped = get(seeded, page_size=2)
    assert (capped["total"], capped["total_capped"]) == (5, True)
    assert len(capped["jobs"]) == 2 and capped["next_cursor"]
    exact = get(seeded, status="FAILED")
    assert (exact["total"], exact["total_capped"]) == (3, False)


def _cursor(**fields: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%%%",
        _cursor(s="-created_at", v="yesterday", id="x", d="a"),
        _cursor(s="-created_at", v="2026-03-01T09:00:00+00:00", id=7, d="a"),
        _cursor(s="-created_at", v="2026-03-01T09:00:00+00:00", id="x", d="sideways"),
        _cursor(s="-created_at", v=None, id="x", d="a"),  # created_at is never empty
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
    ],
)
def test_a_broken_cursor_is_a_422_naming_it(seeded: Api, cursor: str) -> None:
    response = seeded.client.get("/api/dashboard", params={"cursor": cursor}, auth=DASH_AUTH)
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["query", "cursor"] and "cursor" in problem["msg"]


def test_a_cursor_of_another_sort_is_refused(seeded: Api) -> None:
    cursor = get(seeded, sort="job_id", page_size=2)["next_cursor"]
    response = seeded.client.get("/api/dashboard", params={"cursor": cursor}, auth=DASH_AUTH)
    assert response.status_code == 422
    assert "sorted by 'job_id', not '-created_at'" in response.json()["detail"][0]["msg"]
    assert ids(get(seeded, sort="job_id", page_size=2, cursor=cursor)) == ["list-02", "list-03"]
