"""Many accounts at once: the requests in flight (counted by the fake Graph API) reach
FACEBOOK_MAX_CONCURRENCY, shrink as Facebook's usage passes 50 %, go one at a time with pauses
from 75 %; metadata is read while the pages arrive; one large account is cut into parallel
runs; the rows come out in the same order whatever the concurrency; cancel stops everything."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from marketing_etl.jobs import cancel_job
from marketing_etl.models import JobStatus
from marketing_etl.sandbox.fakes.facebook_graph import FakeGraph
from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook.catalog import find_template
from marketing_etl.sources.facebook.pacing import limit_for
from tests.executors.support import wait_until
from tests.facebook.conftest import FAST, JobRunner, Outcome
from tests.facebook.expected import expected_table
from tests.fakes.server import serve_app

ACCOUNT_DAILY = "Account Daily Report"
CREATIVE_DAILY = "Ad Creative Daily Report"
CREATIVE_FIELDS = ["id", "name", "status", "creative_title", "page_name", "spend"]
START, END = date(2026, 3, 1), date(2026, 3, 4)


@pytest.fixture(scope="module")
def big_world() -> World:
    """Six accounts of 55 ads: more accounts than some tests let run at once, and more objects
    per account than one ?ids= batch holds."""
    return World(accounts=6, campaigns=1, adsets=5, ads=11, seed="many")


@pytest.fixture(scope="module")
def big_server(big_world: World) -> Iterator[tuple[FakeGraph, str]]:
    graph = FakeGraph(big_world)
    with serve_app(graph.app) as url:
        yield graph, url


@pytest.fixture
def big(big_server: tuple[FakeGraph, str]) -> FakeGraph:
    big_server[0].reset()
    return big_server[0]


@pytest.fixture
def jobs(
    tmp_path: Path, big: FakeGraph, big_server: tuple[FakeGraph, str], big_world: World
) -> Iterator[JobRunner]:
    runner = JobRunner(tmp_path, big_server[1], big_world)
    yield runner
    runner.close()


def _account_daily(jobs: JobRunner, **settings: object) -> Outcome:
    spec = jobs.spec(ACCOUNT_DAILY, selected_fields=["date_start", "account_id", "spend"])
    return jobs.run(spec, facebook_page_size=1, **settings)  # type: ignore[arg-type]


def test_requests_in_flight_reach_the_setting_and_never_pass_it(jobs: JobRunner, big: FakeGraph) -> None:
    big.latency_s = 0.05
    outcome = _account_daily(jobs, facebook_max_concurrency=4)
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    assert big.load.peak_in_flight == 4  # six accounts want to run; four may
    assert len(big.requests) == 6 * 4  # four one-row pages per account, nothing more
    assert "Up to 4 Facebook requests were in flight at once" in outcome.logs()


def test_rows_are_the_same_whatever_the_concurrency(
    jobs: JobRunner, big: FakeGraph, big_world: World
) -> None:
    big.latency_s = 0.01
    template = find_template(CREATIVE_DAILY)
    assert template is not None
    one_at_a_time = jobs.run(
        jobs.spec(CREATIVE_DAILY, selected_fields=CREATIVE_FIELDS),
        facebook_page_size=40,
        facebook_max_concurrency=1,
    )
    many = jobs.run(
        jobs.spec(CREATIVE_DAILY, selected_fields=CREATIVE_FIELDS),
        facebook_page_size=40,
        facebook_max_concurrency=6,
    )
    assert one_at_a_time.status is many.status is JobStatus.SUCCESS
    expected = expected_table(big_world, template, CREATIVE_FIELDS, jobs.accounts(), START, END)
    assert one_at_a_time.table == expected
    assert many.table == expected


def test_metadata_batches_are_read_while_the_pages_arrive(
    jobs: JobRunner, big: FakeGraph, big_world: World
) -> None:
    template = find_template(CREATIVE_DAILY)
    assert template is not None
    accounts = jobs.accounts(1)
    outcome = jobs.run(jobs.spec(CREATIVE_DAILY, selected_fields=CREATIVE_FIELDS, accounts=accounts),
                       facebook_page_size=5)  # fmt: skip
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    assert outcome.table == expected_table(big_world, template, CREATIVE_FIELDS, accounts, START, END)
    order = [
        ("ids" if "ids" in r.params else "page", len(r.params.get("ids", "").split(",")))
        for r in big.requests
    ]
    ad_reads = [n for kind, n in order if kind == "ids" and n != 2]
    assert ad_reads == [50, 5]  # 55 ads: one full batch early, the rest at the end
    last_page = max(i for i, (kind, _) in enumerate(order) if kind == "page")
    first_batch = order.index(("ids", 50))
    assert first_batch < last_page  # the full batch went out while pages were still coming
    page_reads = [r for r in big.requests if r.params.get("fields") == "id,name"]
    assert len(page_reads) == 1  # the two pages' names, once, after every ad is known


def test_concurrency_falls_back_as_usage_passes_half(jobs: JobRunner, big: FakeGraph) -> None:
    big.latency_s = 0.2
    big.usage_pct = 60.0  # 6 x (75 - 60) / 25 = 3.6: three at a time
    outcome = _account_daily(jobs, facebook_max_concurrency=6)
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    first_answer_s = big.load.arrivals[0].at_s + big.latency_s
    later = [a.in_flight for a in big.load.arrivals if a.at_s >= first_answer_s]
    assert big.load.peak_in_flight <= 6  # the first requests leave before any usage is known
    assert len(later) >= 12 and max(later) == 3
    assert len(outcome.rows) == 6 * 4


def test_no_new_request_while_a_pause_at_75_percent_lasts(jobs: JobRunner, big: FakeGraph) -> None:
    big.latency_s = 0.1
    big.usage_pct = 80.0  # the pause: (80 - 75) / 25 of a 0.5 s minute = 0.1 s
    spec = jobs.spec(
        ACCOUNT_DAILY, selected_fields=["spend"], accounts=jobs.accounts(3), end_date="2026-03-02"
    )
    outcome = jobs.run(spec, tuning=replace(FAST, seconds_per_minute=0.5), facebook_page_size=1,
                       facebook_max_concurrency=6)  # fmt: skip
    assert outcome.status is JobStatus.SUCCESS, outcome.job.message
    arrivals = big.load.arrivals
    later = [a for a in arrivals if a.at_s >= arrivals[0].at_s + big.latency_s]  # after the first answer
    assert len(later) == 3 and all(a.in_flight == 1 for a in later)
    gaps_s = [b.at_s - a.at_s for a, b in itertools.pairwise(later)]
    assert min(gaps_s) >= big.latency_s + 0.1  # each waited for its predecessor's answer, then the pause
    assert "is at 80%; pausing 0.1 s" in outcome.logs()


def test_requests_resume_at_full_concurrency_when_usage_falls(jobs: JobRunner, big: FakeGraph) -> None:
    big.latency_s = 0.05
    big.usage_pct = 70.0  # 6 x (75 - 70) / 25 = 1.2: one at a time
    # 28 one-row pages per account: the dozen one-at-a-time requests cannot finish an account,
    # so all six still have pages to fetch when the usage falls.
    spec = jobs.spec(ACCOUNT_DAILY, selected_fields=["spend"], end_date="2026-03-28")
    services = jobs.services(facebook_page_size=1, facebook_max_concurrency=6)
    result: list[JobStatus | None] = []
    worker = jobs.start(services, spec, result)
    try:
        wait_until(lambda: len(big.requests) >= 12, 10, "a dozen requests at 70 % usage")
        # Slower answers from here on, so six requests overlap even on a loaded machine.
        big.latency_s = 0.1
        big.usage_pct = 3.0
    finally:
        worker.join(timeout=30)
    assert result == [JobStatus.SUCCESS]
    high = [a.in_flight for a in big.load.arrivals if a.usage_pct == 70.0][6:]  # after the first wave
    low = [a.in_flight for a in big.load.arrivals if a.usage_pct == 3.0]
    assert len(high) >= 6 and max(high) == 1
    assert max(low) == 6  # once every account has reported the lower usage


def test_one_large_account_is_fetched_as_parallel_async_runs(tmp_path: Path) -> None:
    """Sized by the expected rows (50 ads a day at ad level), so a two-ad world keeps it quick."""
    template = find_template("Ad Daily Report")
    assert template is not None
    world = World(accounts=1, campaigns=1, adsets=1, ads=2, seed="large")
    graph = FakeGraph(world)
    start, end = date(2026, 1, 1), date(2026, 10, 27)  # 300 days x 50 ad rows: three 5,000-row runs
    with serve_app(graph.app) as url:
        jobs = JobRunner(tmp_path, url, world)
        spec = {"start_date": start, "end_date": end}
        split = jobs.run(jobs.spec(template.name, **spec), facebook_page_size=500)
        ranges = [json.loads(c.params["time_range"]) for c in graph.calls("POST", "insights")]
        assert sorted((r["since"], r["until"]) for r in ranges) == [
            ("2026-01-01", "2026-04-10"),
            ("2026-04-11", "2026-07-19"),
            ("2026-07-20", "2026-10-27"),
        ]
        whole = jobs.run(jobs.spec(template.name, **spec), facebook_page_size=500, facebook_max_concurrency=1)
        jobs.close()
    assert len(graph.calls("POST", "insights")) == 3 + 1  # one request at a time: one run
    assert split.status is whole.status is JobStatus.SUCCESS
    assert split.table == whole.table
    assert split.table == expected_table(
        world, template, list(template.defaults), jobs.accounts(), start, end
    )


def test_cancel_while_many_accounts_are_in_flight(jobs: JobRunner, big: FakeGraph) -> None:
    big.latency_s = 0.1
    services = jobs.services(facebook_page_size=1, facebook_max_concurrency=6)
    spec = jobs.spec(ACCOUNT_DAILY, selected_fields=["spend"], end_date="2026-03-20")
    result: list[JobStatus | None] = []
    worker = jobs.start(services, spec, result)
    try:
        wait_until(lambda: big.load.in_flight >= 5, 10, "five requests in flight at once")
    finally:
        cancel_job(services, spec.job_id)  # also after a timeout, so no worker is left running
        cancelled_at = len(big.requests)
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert result == [JobStatus.CANCELLED]
    assert len(big.requests) <= cancelled_at + 2 * 6  # at most what was in flight or just admitted
    assert len(big.requests) < 6 * 20  # far from the whole job


@pytest.mark.parametrize("value", ["0", "51", "-3", "ten", "2.5"])
def test_bad_concurrency_settings_are_rejected_clearly(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("FACEBOOK_MAX_CONCURRENCY", value)
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None)
    message = str(raised.value)
    assert "FACEBOOK_MAX_CONCURRENCY must be a whole number of requests from 1 to 50" in message
    assert repr(value) in message


def test_the_concurrency_setting_defaults_to_ten(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FACEBOOK_MAX_CONCURRENCY", raising=False)
    assert Settings(_env_file=None).facebook_max_concurrency == 10
    monkeypatch.setenv("FACEBOOK_MAX_CONCURRENCY", "25")
    assert Settings(_env_file=None).facebook_max_concurrency == 25


def test_the_setting_s_old_name_still_counts_and_the_new_one_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FACEBOOK_MAX_CONCURRENCY", raising=False)
    monkeypatch.setenv("FACEBOOK_CONCURRENCY", "3")
    assert Settings(_env_file=None).facebook_max_concurrency == 3
    monkeypatch.setenv("FACEBOOK_MAX_CONCURRENCY", "7")
    assert Settings(_env_file=None).facebook_max_concurrency == 7


@pytest.mark.parametrize(
    ("usage_pct", "limit"),
    [(0.0, 10), (49.9, 10), (50.0, 10), (60.0, 6), (70.0, 2), (74.9, 1), (75.0, 1), (100.0, 1)],
)
def test_the_limit_shrinks_linearly_from_half_usage(usage_pct: float, limit: int) -> None:
    assert limit_for(usage_pct, 10) == limit
