"""/metrics counts notification delivery attempts by channel and state: a real webhook receiver
answers 503 then 200 for one job's notification and 404 for another's, and a scrape is parsed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from marketing_etl.api.app import create_app
from marketing_etl.models import utcnow
from marketing_etl.notifications.delivery import BACKOFF_S, Deliverer
from marketing_etl.notifications.events import on_job_finished
from tests.notifications.receivers import http_receiver
from tests.notifications.support import Clock, failed_job, notify_settings, services_with

FAMILY = "marketing_etl_notification_deliveries"


def scraped(text: str) -> dict[tuple[str, str], float]:
    [family] = [f for f in text_string_to_metric_families(text) if f.name == FAMILY]
    assert family.type == "counter"
    totals = [s for s in family.samples if s.name.endswith("_total")]
    return {(s.labels["channel"], s.labels["state"]): s.value for s in totals}


def test_deliveries_by_channel_and_state_in_a_scrape(tmp_path: Path) -> None:
    with (
        http_receiver([503, 200, 404]) as http,
        services_with(tmp_path, notify_settings(http, notify_slack_webhook_url=None)) as services,
    ):
        failed_job(services, "job-1")
        on_job_finished(services.store, services.settings, services.vault, "job-1")
        clock = Clock(utcnow())
        sender = Deliverer(services.store, services.settings, services.vault, clock=clock)
        assert sender.deliver_due() == 1  # 503: to be retried
        clock.now += timedelta(seconds=BACKOFF_S[0])
        assert sender.deliver_due() == 1  # 200
        failed_job(services, "job-2")
        on_job_finished(services.store, services.settings, services.vault, "job-2")
        assert sender.deliver_due() == 1  # 404: refused, failed at once
        sender.close()
        # Scraped once all is delivered: the app's own delivery loop then finds nothing due.
        with TestClient(create_app(services=services)) as client:
            counts = scraped(client.get("/metrics").text)
    assert len(http.on("/hook")) == 3
    assert counts == {("webhook", "retrying"): 1.0, ("webhook", "sent"): 1.0, ("webhook", "failed"): 1.0}
