"""Paging, throttling, TikTok faults, auth and parameter errors, cancel: through whole jobs."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path

import httpx

from marketing_etl import jobs
from marketing_etl.http import Backoff
from marketing_etl.models import JobStatus
from marketing_etl.runner import run_job
from tests.tiktok import data
from tests.tiktok.conftest import TOKEN, Harness, serve
from tests.tiktok.data import ADVERTISER

REPORT = "/gmv_max/report/get/"


def test_pages_come_from_total_page_even_when_tiktok_clamps_them(tmp_path: Path) -> None:
    dataset = data.generated(campaigns=2, products=30, creatives=0, days=2)
    for harness in serve(tmp_path, dataset):
        harness.fake.clamp_page_size = 25  # fewer rows than page_size on pages that are not the last
        harness.start()
        assert harness.run("pages", selected_fields=["item_group_id", "stat_time_day", "product_name"])
        rows = harness.table("pages")[1:]
        titles = {product.item_group_id: product.title for product in dataset.catalog}
        expected = sorted(
            (p.item_group_id, p.day.isoformat(), titles[p.item_group_id]) for p in dataset.product_days
        )
        assert sorted(tuple(row) for row in rows) == expected
        assert len(rows) == 120
        product_calls = [
            c for c in harness.fake.calls_to(REPORT) if "stat_time_day" in c.params["dimensions"]
        ]
        product_pages = [c.params["page"] for c in product_calls]
        assert sorted(product_pages) == ["1", "2", "3", "4", "5"]
        catalog_pages = [c.params["page"] for c in harness.fake.calls_to("/store/product/get/")]
        assert sorted(catalog_pages) == ["1", "2", "3"]
        assert {c.params["page_size"] for c in harness.fake.calls_to("/store/product/get/")} == {"100"}


def test_throttling_is_retried_and_every_attempt_recorded(tiktok: Harness) -> None:
    tiktok.start()
    tiktok.fake.fail_next(2, 40100, "Too many requests")
    assert tiktok.run("throttled") is JobStatus.SUCCESS
    calls = tiktok.api_calls("throttled")
    assert [(c.endpoint, c.usage) for c in calls[:3]] == [
        ("/gmv_max/store/list/", {"code": 40100, "attempt": 1}),
        ("/gmv_max/store/list/", {"code": 40100, "attempt": 2}),
        ("/gmv_max/store/list/", {"code": 0, "attempt": 3}),
    ]
    assert calls[0].error == "code 40100: Too many requests"
    assert len(calls) == 6
    assert "TikTok is throttling /gmv_max/store/list/ (code 40100); retry 2 of 4" in tiktok.logs("throttled")
    assert len(tiktok.table("throttled")) == 5


def test_tiktok_faults_are_retried(tiktok: Harness) -> None:
    tiktok.start()
    tiktok.fake.fail_next(1, 51010, "Internal time out")
    tiktok.fake.fail_next(1, 50002, "Error processing request")
    assert tiktok.run("faults") is JobStatus.SUCCESS
    assert [c.usage["code"] for c in tiktok.api_calls("faults")[:3]] == [51010, 50002, 0]


def test_timeouts_are_retried_then_reported(tmp_path: Path) -> None:
    for harness in serve(tmp_path, data.small(), latency_s=0.5):
        harness.start(retry=Backoff(first_s=0.01, max_attempts=2), timeout=httpx.Timeout(0.1))
        assert harness.run("slow") is JobStatus.FAILED
        assert harness.job("slow").message.startswith(
            "TikTok kept failing on /gmv_max/store/list/ (no answer (ReadTimeout)); retry the job later."
        )
        calls = harness.api_calls("slow")
        assert [(c.http_status, c.error, c.usage) for c in calls] == [
            (None, "no answer (ReadTimeout)", {"attempt": 1}),
            (None, "no answer (ReadTimeout)", {"attempt": 2}),
        ]


def test_throttling_that_never_ends_fails_after_the_bounded_retries(tiktok: Harness) -> None:
    tiktok.start()
    tiktok.fake.fail_next(50, 40133, "Advertiser QPS reaches QPS limit 5 for current path")
    assert tiktok.run("over") is JobStatus.FAILED
    message = tiktok.job("over").message
    assert message.startswith("TikTok kept throttling /gmv_max/store/list/ (code 40133: Advertiser QPS")
    assert "Nothing was written to the destination." in message
    assert len(tiktok.fake.calls) == 4


def test_a_rejected_token_fails_at_once_and_never_leaks(tiktok: Harness) -> None:
    tiktok.start()
    bad = "revoked-token-abcdef-0123456789"
    assert tiktok.run("auth", token=bad) is JobStatus.FAILED
    job = tiktok.job("auth")
    assert job.message.startswith(
        "TikTok rejected the access token (TikTok code 40105: The access token is invalid or has been "
        f"revoked.). Send a valid TikTok for Business access token for advertiser {data.ADVERTISER}"
    )
    assert len(tiktok.fake.calls) == 1
    calls = tiktok.api_calls("auth")
    assert [(c.endpoint, c.http_status, c.error) for c in calls] == [
        ("/gmv_max/store/list/", 200, "code 40105: The access token is invalid or has been revoked.")
    ]
    everything = job.message + tiktok.logs("auth") + repr(calls)
    assert bad not in everything and TOKEN not in everything


def test_the_token_travels_only_in_the_header(tiktok: Harness) -> None:
    tiktok.start()
    tiktok.run("header")
    assert all(TOKEN not in repr(call.params) for call in tiktok.fake.calls)
    assert all("?" not in c.endpoint for c in tiktok.api_calls("header"))


def test_a_parameter_error_fails_with_tiktoks_message(tiktok: Harness) -> None:
    tiktok.start()
    tiktok.fake.fail_next(1, 40002, "Missing required field(s): store_ids")
    assert tiktok.run("param") is JobStatus.FAILED
    assert tiktok.job("param").message.startswith(
        "TikTok refused the request to /gmv_max/store/list/ (TikTok code 40002: Missing required field(s): "
        "store_ids)."
    )
    assert len(tiktok.fake.calls) == 1


def test_a_store_not_linked_to_the_advertiser_is_named(tiktok: Harness) -> None:
    tiktok.start()
    assert tiktok.run("store", store_id="7000000000000000555") is JobStatus.FAILED
    assert tiktok.job("store").message.startswith(
        f"Store 7000000000000000555 is not linked to advertiser {ADVERTISER} for GMV Max; "
        "check advertiser_id and store_id."
    )


class _Watcher:
    """Cancels a job once the fake has seen `calls_seen` calls, or at a 20 s deadline; `join`
    fails the test if the deadline, not the calls, triggered the cancel."""

    def __init__(self, harness: Harness, job_id: str, calls_seen: int) -> None:
        self._harness = harness
        self._job_id = job_id
        self._calls_seen = calls_seen
        self.timed_out = False
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        deadline = time.monotonic() + 20
        while len(self._harness.fake.calls) < self._calls_seen:
            if time.monotonic() >= deadline:
                self.timed_out = True
                break
            time.sleep(0.01)
        assert self._harness.services is not None
        jobs.cancel_job(self._harness.services, self._job_id)

    def join(self) -> None:
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), "the cancel watcher never finished"
        assert not self.timed_out, (
            f"the fake saw only {len(self._harness.fake.calls)} calls, not {self._calls_seen}, "
            "within 20 s; the cancel was sent at the deadline instead"
        )


def _cancel_when(harness: Harness, job_id: str, calls_seen: int) -> _Watcher:
    return _Watcher(harness, job_id, calls_seen)


def test_cancel_interrupts_a_throttling_backoff(tiktok: Harness) -> None:
    services = tiktok.start(retry=Backoff(first_s=2.0, cap_s=30.0, max_attempts=50))
    tiktok.fake.fail_next(50, 40100)
    tiktok.queue("cancel-wait")
    watcher = _cancel_when(tiktok, "cancel-wait", calls_seen=2)
    started = time.monotonic()
    assert run_job("cancel-wait", services.runner_deps()) is JobStatus.CANCELLED
    watcher.join()
    assert time.monotonic() - started < 15  # the backoffs alone would take minutes
    assert len(tiktok.fake.calls) == 2


def test_cancel_stops_the_calls_not_yet_made(tmp_path: Path) -> None:
    for harness in serve(tmp_path, data.generated(campaigns=1, products=40, creatives=1), latency_s=0.2):
        harness.fake.clamp_page_size = 2  # every list takes 20 pages: about 80 calls in all
        services = harness.start()
        harness.queue("cancel-run", "creative", start_date=date(2026, 10, 1), end_date=date(2026, 10, 1))
        watcher = _cancel_when(harness, "cancel-run", calls_seen=6)
        assert run_job("cancel-run", services.runner_deps()) is JobStatus.CANCELLED
        watcher.join()
        # The in-flight calls may still finish.
        assert len(harness.fake.calls) < 20
        assert harness.job("cancel-run").message.startswith("Cancelled by user.")
