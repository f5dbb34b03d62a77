"""The app's daily quota of report calls: counted per UTC day across jobs and workers, checked
before a job calls, enforced on every call, and a store that cannot run GMV Max."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from marketing_etl.models import JobStatus
from marketing_etl.ratelimit import LocalDailyQuota, RedisDailyQuota
from marketing_etl.sources.tiktok.quota import ReportQuota
from tests.services import redis_url
from tests.tiktok import data
from tests.tiktok.conftest import Harness, serve

REPORT = "/gmv_max/report/get/"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 23, 59, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_local_quota_counts_to_the_limit_and_starts_again_at_utc_midnight() -> None:
    clock = Clock()
    quota = LocalDailyQuota(clock)
    assert [quota.take("app", 2), quota.take("app", 2), quota.take("app", 2)] == [1, 2, None]
    assert quota.used_today("app") == 2
    assert quota.take("other", 2) == 1
    clock.now += timedelta(seconds=31)  # 00:00:01 UTC the next day
    assert quota.used_today("app") == 0
    assert quota.take("app", 2) == 1


def test_two_workers_share_one_daily_quota_in_redis() -> None:
    import redis

    url = redis_url()
    prefix = f"test-daily:{uuid.uuid4().hex}"
    worker_a = RedisDailyQuota(redis.Redis.from_url(url), prefix)
    worker_b = RedisDailyQuota(redis.Redis.from_url(url), prefix)
    try:
        assert [worker_a.take("app", 3), worker_b.take("app", 3), worker_a.take("app", 3)] == [1, 2, 3]
        assert worker_b.take("app", 3) is None
        assert worker_a.used_today("app") == worker_b.used_today("app") == 3
        client = redis.Redis.from_url(url)
        (key,) = list(client.scan_iter(f"{prefix}:*"))
        assert 86_400 < client.ttl(key) <= 2 * 86_400  # kept past the day's end, then dropped
    finally:
        client = redis.Redis.from_url(url)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


def _left(tiktok: Harness, left: int) -> int:
    """Starts the harness with `left` report calls left today; returns the day's limit."""
    services = tiktok.start()
    quota = ReportQuota(services.settings)
    quota.take()  # so that the limit below is at least 1
    used = quota.use().used
    services.close()
    tiktok.start(tiktok_max_calls_per_day=used + left)
    return used + left


def test_a_job_that_cannot_fit_fails_before_calling_anything(tiktok: Harness) -> None:
    limit = _left(tiktok, 0)
    assert tiktok.run("q-none") is JobStatus.FAILED
    message = tiktok.job("q-none").message
    assert message.startswith(
        f"This product report needs about 1 TikTok report call, but only 0 of today's {limit:,} "
        "are left (TIKTOK_MAX_CALLS_PER_DAY, shared by every job); the quota resets at 00:00 UTC, in "
    )
    assert "Run it after that, or shorten its date range." in message
    assert tiktok.fake.calls == []


def test_the_estimate_after_the_campaign_list_stops_the_job_before_its_rows(tiktok: Harness) -> None:
    _left(tiktok, 1)
    assert tiktok.run("q-rows", "creative") is JobStatus.FAILED
    assert (
        "This creative report needs about 2 TikTok report calls, but only 0 of"
        in tiktok.job("q-rows").message
    )
    assert len(tiktok.fake.calls_to(REPORT)) == 1  # the campaign list


def test_a_job_outrunning_its_estimate_stops_when_the_day_is_spent(tiktok: Harness) -> None:
    tiktok.fake.clamp_page_size = 1  # every row a page: more calls than the estimate
    limit = _left(tiktok, 3)
    assert tiktok.run("q-spent") is JobStatus.FAILED
    message = tiktok.job("q-spent").message
    assert message.startswith(
        f"TikTok's daily quota of {limit:,} report calls (TIKTOK_MAX_CALLS_PER_DAY, shared by every job) "
        "is used up for today; the quota resets at 00:00 UTC, in "
    )
    assert len(tiktok.fake.calls_to(REPORT)) == 3


def test_every_report_attempt_counts_retries_included(tiktok: Harness) -> None:
    services = tiktok.start()
    quota = ReportQuota(services.settings)
    before = quota.use().used
    tiktok.fake.fail_next(1, 40100, path=REPORT)  # the campaign list is throttled once
    assert tiktok.run("q-retries") is JobStatus.SUCCESS
    reports = tiktok.fake.calls_to(REPORT)
    assert len(reports) == 3  # campaign list twice, product rows once
    assert quota.use().used - before == 3


def test_a_store_that_cannot_run_gmv_max_fails_before_any_report_call(tmp_path: Path) -> None:
    dataset = data.small()
    dataset.gmv_max_available = False
    for harness in serve(tmp_path, dataset):
        harness.start()
        assert harness.run("no-gmv", selected_fields=["campaign_id", "cost"]) is JobStatus.FAILED
        assert harness.job("no-gmv").message.startswith(
            f"Store {data.STORE} cannot run GMV Max campaigns (TikTok lists it with is_gmv_max_available "
            f"false for advertiser {data.ADVERTISER}), so it has no GMV Max report; check store_id, or make "
            "the store eligible in TikTok Seller Center."
        )
        assert [call.path for call in harness.fake.calls] == ["/gmv_max/store/list/"]
