"""GET /metrics: the figures the issue lists, read from the store, parsed with Prometheus' own
text parser."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from marketing_etl.contracts.store import Store
from marketing_etl.metrics import StoreCollector
from marketing_etl.models import ApiCall, JobStatus, utcnow
from marketing_etl.wiring import open_store
from tests.api.helpers import Api, fb_body, make_settings, running_api, tt_body
from tests.plugins import TASK_TYPES
from tests.storage.factory import T0, make_job

CLASSIC = "text/plain; version=0.0.4; charset=utf-8"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with running_api(make_settings(tmp_path, embedded_scheduler=False)) as running:
        yield running


def parse(text: str) -> dict[str, float]:
    """Every sample as 'name{labels}' -> value, labels by name; the parser raises on anything
    that is not the Prometheus text format."""
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{key}="{value}"' for key, value in sorted(sample.labels.items()))
            samples[sample.name + (f"{{{labels}}}" if labels else "")] = sample.value
    return samples


def scrape(store: Store, now: datetime) -> dict[str, float]:
    return parse(generate_latest(StoreCollector(store, now, TASK_TYPES)).decode())


def test_metrics_after_some_jobs(api: Api) -> None:
    for body in (fb_body(), fb_body(template_name="rows=2;fail=user"), tt_body()):
        api.wait(api.start(body))
    response = api.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == CLASSIC
    assert "# TYPE marketing_etl_job_duration_seconds histogram" in response.text
    samples = parse(response.text)
    assert samples['marketing_etl_jobs{status="SUCCESS",task_type="facebook_daily"}'] == 1
    assert samples['marketing_etl_jobs{status="FAILED",task_type="facebook_daily"}'] == 1
    assert samples['marketing_etl_jobs{status="SUCCESS",task_type="product"}'] == 1
    assert samples['marketing_etl_jobs{status="QUEUED",task_type="creative"}'] == 0
    assert samples["marketing_etl_queue_depth"] == 0
    assert samples["marketing_etl_oldest_queued_job_age_seconds"] == 0
    duration = 'marketing_etl_job_duration_seconds_{}{{{}status="{}",task_type="facebook_daily"}}'
    for status in ("SUCCESS", "FAILED"):
        assert samples[duration.format("count", "", status)] == 1
        assert samples[duration.format("bucket", 'le="+Inf",', status)] == 1
        # Scripted jobs take well under the first bound, 10 s: counted from there on.
        assert samples[duration.format("bucket", 'le="10",', status)] == 1
    # Only groups with finished jobs that ran have a histogram.
    assert not any("_count" in key and 'task_type="creative"' in key for key in samples)
    # The scripted test source records one call per job on its own platform, "test".
    assert samples['marketing_etl_api_calls_total{outcome="ok",platform="test"}'] == 3
    assert samples['marketing_etl_rate_limit_wait_seconds_total{platform="test"}'] == 0


def test_call_counters_count_every_call_once_and_never_go_down(api: Api) -> None:
    store = api.services.store
    now = utcnow()

    def record(platform: str, minutes_ago: float, status: int = 200, **usage: float) -> None:
        ts = now - timedelta(minutes=minutes_ago)
        call = ApiCall(job_id="j", platform=platform, endpoint="/e", http_status=status, duration_ms=1, ts=ts)
        store.record_api_calls([call.model_copy(update={"usage": usage})])

    record("sheets", 30, budget_wait_s=2.5)
    record("facebook", 60 * 24 * 40, wait_s=1)
    first = scrape(store, now)
    record("sheets", 1)
    record("facebook", 0, 400)
    second = scrape(store, now + timedelta(seconds=15))
    assert first['marketing_etl_sheets_calls_total{outcome="ok"}'] == 1
    assert second['marketing_etl_sheets_calls_total{outcome="ok"}'] == 2
    assert second['marketing_etl_rate_limit_wait_seconds_total{platform="sheets"}'] == 2.5
    assert second['marketing_etl_rate_limit_wait_seconds_total{platform="facebook"}'] == 1
    assert second['marketing_etl_api_calls_total{outcome="ok",platform="facebook"}'] == 1
    assert second['marketing_etl_api_calls_total{outcome="error",platform="facebook"}'] == 1
    # Sheets calls are their own family, not counted again among the ad platform calls.
    ad_platform_calls = [key for key in second if key.startswith("marketing_etl_api_calls_total")]
    assert ad_platform_calls and not any('platform="sheets"' in key for key in ad_platform_calls)
    # Counters: the raw records going (retention) takes nothing from them.
    engine = sa.create_engine(api.services.settings.resolved_database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM api_calls")
    engine.dispose()
    later = scrape(store, now + timedelta(hours=1))
    assert {key: later[key] for key in second if "calls_total" in key or "wait" in key} == {
        key: second[key] for key in second if "calls_total" in key or "wait" in key
    }


def test_oldest_queued_job_age_counts_from_when_it_was_last_queued(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'queue.db'}")
    try:
        # Created first but queued again later (a retry): its wait starts at queued_at.
        store.insert_job(make_job("retried", minute=0, queued_at=T0 + timedelta(minutes=20)))
        store.insert_job(make_job("waiting", minute=5))
        store.insert_job(make_job("running", minute=1, status=JobStatus.RUNNING))
        samples = scrape(store, T0 + timedelta(minutes=15, seconds=30))
    finally:
        store.close()
    assert samples["marketing_etl_queue_depth"] == 2
    assert samples["marketing_etl_oldest_queued_job_age_seconds"] == 630
