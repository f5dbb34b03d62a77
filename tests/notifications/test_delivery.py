"""A failed job's notification delivered to a real webhook receiver (signature checked), Slack
receiver and SMTP server (STARTTLS and login); retries with back-off; a broken channel; one
send however many delivery loops race."""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marketing_etl.api.app import create_app
from marketing_etl.contracts.notifications import DeliveryState
from marketing_etl.models import utcnow
from marketing_etl.notifications.delivery import BACKOFF_S, Deliverer
from marketing_etl.notifications.events import on_job_finished
from marketing_etl.notifications.senders import SIGNATURE_HEADER
from marketing_etl.services import Services
from tests.notifications.receivers import SMTP_PASSWORD, http_receiver, smtp_receiver
from tests.notifications.support import (
    SLACK_PATH,
    WEBHOOK_SECRET,
    Clock,
    failed_job,
    notify_settings,
    services_with,
)

DASH = ("ops", "dash-pass")


def deliverer(services: Services, clock: Clock) -> Deliverer:
    return Deliverer(services.store, services.settings, services.vault, clock=clock)


def test_a_failed_job_reaches_the_webhook_slack_and_email(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with (
        http_receiver() as http,
        smtp_receiver(tmp_path) as smtp,
        services_with(tmp_path, notify_settings(http, smtp=smtp)) as services,
    ):
        failed_job(services, "job-1")
        on_job_finished(services.store, services.settings, services.vault, "job-1")
        sender = deliverer(services, Clock(utcnow()))
        assert sender.deliver_due() == 3
        sender.close()

        [hook] = http.on("/hook")
        expected = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), hook.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(hook.headers[SIGNATURE_HEADER], expected)
        body = hook.json()
        assert body["event"] == "job_failed" and body["job_id"] == "job-1" and body["status"] == "FAILED"
        assert body["message"] == "Facebook refused the access token."
        assert body["link"] == "https://etl.example.com/dashboard/jobs/job-1"
        assert hook.headers["X-Marketing-ETL-Event"] == "job_failed"

        [slack] = http.on(SLACK_PATH)
        text = slack.json()["text"]
        assert "Job job-1 failed" in text and "Facebook refused the access token." in text
        assert "<https://etl.example.com/dashboard/jobs/job-1|Open in Marketing ETL>" in text

        [mail] = smtp.received()
        assert smtp.tls_sessions == [True] and smtp.logins == ["notifier"]
        assert mail["Subject"] == "Job job-1 failed" and mail["To"] == "ops@example.com, lead@example.com"
        assert "https://etl.example.com/dashboard/jobs/job-1" in mail.get_payload()

        found = services.store.notifications.for_job("job-1")
        states = {n.channel: (n.state, [a.detail for a in n.attempts]) for n in found}
        assert states == {
            "webhook": (DeliveryState.SENT, ["HTTP 200"]),
            "slack": (DeliveryState.SENT, ["HTTP 200"]),
            "email": (DeliveryState.SENT, ["accepted for 2 of 2 recipients"]),
        }
    # What a console shows (log_setup.py): our own records at any level, other libraries' from
    # WARNING (httpx's INFO line quotes request URLs, Slack's secret among them, and is never shown).
    shown = [r for r in caplog.records if r.name.startswith("marketing_etl") or r.levelno >= logging.WARNING]
    logged = "\n".join(record.getMessage() for record in shown)
    for secret in (WEBHOOK_SECRET, SLACK_PATH, SMTP_PASSWORD):
        assert secret not in logged


def test_retries_with_back_off_until_the_receiver_takes_it(tmp_path: Path) -> None:
    with (
        http_receiver([503, 503, 200]) as http,
        services_with(tmp_path, notify_settings(http, notify_slack_webhook_url=None)) as services,
    ):
        failed_job(services, "job-2")
        on_job_finished(services.store, services.settings, services.vault, "job-2")
        start = utcnow()
        clock = Clock(start)
        sender = deliverer(services, clock)
        assert sender.deliver_due() == 1
        clock.now = start + timedelta(seconds=BACKOFF_S[0] - 1)
        assert sender.deliver_due() == 0  # not due before its back-off
        clock.now = start + timedelta(seconds=BACKOFF_S[0])
        assert sender.deliver_due() == 1
        clock.now += timedelta(seconds=BACKOFF_S[1])
        assert sender.deliver_due() == 1
        sender.close()
        [notification] = services.store.notifications.for_job("job-2")
        assert notification.state is DeliveryState.SENT
        assert [(a.ok, a.detail) for a in notification.attempts] == [
            (False, "HTTP 503: receiver says no"), (False, "HTTP 503: receiver says no"), (True, "HTTP 200"),
        ]
        assert len(http.on("/hook")) == 3
        # Each attempt is the same delivery: one id and one signed body the receiver can de-duplicate.
        assert len({r.body for r in http.on("/hook")}) == 1


def test_a_refusing_channel_fails_at_once_and_shows_as_broken(tmp_path: Path) -> None:
    with http_receiver([404]) as http:
        settings = notify_settings(http, notify_slack_webhook_url=None, dashboard_username=DASH[0],
                                   dashboard_password=DASH[1])
        with services_with(tmp_path, settings) as services:
            failed_job(services, "job-3")
            on_job_finished(services.store, services.settings, services.vault, "job-3")
            sender = deliverer(services, Clock(utcnow()))
            assert sender.deliver_due() == 1
            sender.close()
            with TestClient(create_app(services=services)) as client:
                channels = client.get("/api/dashboard/notifications/channels", auth=DASH).json()
                job_page = client.get("/api/dashboard/jobs/job-3/notifications", auth=DASH).json()
                missing = client.get("/api/dashboard/jobs/nope/notifications", auth=DASH)
                metrics = client.get("/metrics").text
    assert channels["broken"] == ["webhook"]
    [webhook] = channels["channels"]
    assert webhook["last_state"] == "failed" and webhook["last_detail"] == "HTTP 404: receiver says no"
    [note] = job_page["notifications"]
    assert note["state"] == "failed" and note["title"] == "Job job-3 failed"
    assert [a["detail"] for a in note["attempts"]] == ["HTTP 404: receiver says no"]
    assert missing.status_code == 404
    assert 'marketing_etl_notification_channel_broken{channel="webhook"} 1.0' in metrics
    assert WEBHOOK_SECRET not in str(channels) + str(job_page)


def test_racing_delivery_loops_send_each_notification_once(tmp_path: Path) -> None:
    with (
        http_receiver() as http,
        services_with(tmp_path, notify_settings(http)) as services,
    ):
        for index in range(5):
            failed_job(services, f"job-r{index}")
            on_job_finished(services.store, services.settings, services.vault, f"job-r{index}")
        senders = [deliverer(services, Clock(utcnow())) for _ in range(4)]
        made: list[int] = []
        threads = [threading.Thread(target=lambda s=s: made.append(s.deliver_due())) for s in senders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for sender in senders:
            sender.close()
    assert sum(made) == 10
    assert len(http.on("/hook")) == 5 and len(http.on(SLACK_PATH)) == 5


def test_wrong_smtp_login_is_not_retried(tmp_path: Path) -> None:
    with (
        http_receiver() as http,
        smtp_receiver(tmp_path) as smtp,
        services_with(
            tmp_path,
            notify_settings(http, smtp=smtp, notify_webhook_url=None, notify_slack_webhook_url=None,
                            smtp_password="wrong-password-1"),
        ) as services,
    ):
        failed_job(services, "job-4")
        on_job_finished(services.store, services.settings, services.vault, "job-4")
        sender = deliverer(services, Clock(utcnow()))
        sender.deliver_due()
        sender.close()
        [notification] = services.store.notifications.for_job("job-4")
    assert smtp.received() == []
    assert notification.state is DeliveryState.FAILED
    [attempt] = notification.attempts
    assert attempt.detail.startswith("SMTP 535") and "wrong-password-1" not in attempt.detail
