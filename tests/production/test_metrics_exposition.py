"""GET /metrics beyond the store's figures: request counts and latency per route template, the
job duration histogram's buckets, the process's own metrics, and the OpenMetrics variant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families

from marketing_etl.models import JobStatus
from marketing_etl.wiring import open_store
from tests.api.helpers import DASH_AUTH, Api, make_settings, running_api
from tests.production.test_metrics import parse, scrape
from tests.storage.factory import T0, make_job

REQUESTS = "marketing_etl_http_requests_total"
LATENCY = "marketing_etl_http_request_duration_seconds"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    settings = make_settings(tmp_path, embedded_scheduler=False, max_request_bytes=2_048)
    with running_api(settings) as running:
        yield running


def test_requests_are_counted_per_route_template(api: Api) -> None:
    for job_id in ("first-missing", "second-missing", "third-missing"):
        assert api.client.get(f"/reports/{job_id}").status_code == 404
    # Under a router included with a prefix: the template is the whole path's.
    assert api.client.get("/api/dashboard/jobs/fourth-missing", auth=DASH_AUTH).status_code == 404
    assert api.client.put("/metrics").status_code == 405
    assert api.client.get("/no/such/path/42").status_code == 404
    too_big = api.client.post("/reports", content=b"x" * 4_096, headers={"content-type": "application/json"})
    assert too_big.status_code == 413
    samples = parse(api.client.get("/metrics").text)
    assert samples[f'{REQUESTS}{{method="GET",route="/reports/{{job_id}}",status="404"}}'] == 3
    assert samples[f'{LATENCY}_count{{method="GET",route="/reports/{{job_id}}"}}'] == 3
    assert samples[f'{LATENCY}_bucket{{le="+Inf",method="GET",route="/reports/{{job_id}}"}}'] == 3
    # No route matched, or the body limit refused before routing: counted, without a template.
    assert samples[f'{REQUESTS}{{method="GET",route="/api/dashboard/jobs/{{job_id}}",status="404"}}'] == 1
    assert samples[f'{REQUESTS}{{method="PUT",route="/metrics",status="405"}}'] == 1
    assert samples[f'{REQUESTS}{{method="GET",route="unmatched",status="404"}}'] == 1
    assert samples[f'{REQUESTS}{{method="POST",route="unmatched",status="413"}}'] == 1
    # No raw path ever becomes a label value.
    assert not any("missing" in key or "/no/such" in key for key in samples)


def test_the_scrape_itself_is_counted_by_the_next(api: Api) -> None:
    api.client.get("/metrics")
    samples = parse(api.client.get("/metrics").text)
    assert samples[f'{REQUESTS}{{method="GET",route="/metrics",status="200"}}'] == 1


def test_process_metrics_of_the_api_process(api: Api) -> None:
    samples = parse(api.client.get("/metrics").text)
    assert samples["process_resident_memory_bytes"] > 0
    assert samples["process_cpu_seconds_total"] >= 0
    assert any(key.startswith("python_info{") for key in samples)


def test_openmetrics_when_the_scraper_asks_for_it(api: Api) -> None:
    api.client.get("/healthz")
    response = api.client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert response.headers["content-type"].startswith("application/openmetrics-text; version=1.0.0")
    # The OpenMetrics parser is the one function of prometheus_client without type hints.
    parsed = openmetrics_families(response.text)  # type: ignore[no-untyped-call]
    families = {family.name: family for family in parsed}
    assert families["marketing_etl_queue_depth"].samples[0].value == 0
    # OpenMetrics names a counter family without its _total; its samples keep it.
    requests = families["marketing_etl_http_requests"]
    assert requests.type == "counter"
    healthz = [s for s in requests.samples if s.name == REQUESTS and s.labels["route"] == "/healthz"]
    assert [s.value for s in healthz] == [1]
    assert families["marketing_etl_job_duration_seconds"].type == "histogram"


def test_job_duration_buckets_by_task_type_and_status(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'durations.db'}")
    success, failed, cancelled = JobStatus.SUCCESS, JobStatus.FAILED, JobStatus.CANCELLED
    seeded: list[tuple[str, int | None, JobStatus]] = [("quick", 5, success), ("minute", 45, success)]
    seeded += [("long", 700, success)]
    seeded += [("over", 5_000, failed), ("never-ran", None, cancelled)]
    try:
        for job_id, seconds, status in seeded:
            started = None if seconds is None else T0
            finished = T0 + timedelta(seconds=seconds or 0)
            store.insert_job(make_job(job_id, status=status, started_at=started, finished_at=finished))
        samples = scrape(store, T0 + timedelta(hours=2))
    finally:
        store.close()
    name = "marketing_etl_job_duration_seconds"

    def bucket(le: str, status: str = "SUCCESS") -> float:
        return samples[f'{name}_bucket{{le="{le}",status="{status}",task_type="facebook_daily"}}']

    assert [bucket(le) for le in ("10", "30", "60", "600", "1200", "3600", "+Inf")] == [1, 1, 2, 2, 3, 3, 3]
    assert samples[f'{name}_sum{{status="SUCCESS",task_type="facebook_daily"}}'] == 750
    # Longer than the last bound: only in +Inf.
    assert [bucket("3600", "FAILED"), bucket("+Inf", "FAILED")] == [0, 1]
    # Cancelled before it started: it never ran, so it has no duration.
    assert not any('status="CANCELLED"' in key for key in samples if key.startswith(name))
