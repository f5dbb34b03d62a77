"""Which events become notifications: totals mismatches, saved connections expiring within 7
days, the Graph API version ending (once a day each), NOTIFY_EVENTS, and a schedule's own
channels as the API takes them (validated, secrets never returned)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from marketing_etl.contracts.connections import Connection, ConnectionCheck
from marketing_etl.contracts.totals import MetricComparison, TotalsCheck, TotalsOutcome
from marketing_etl.executors.recovery import MAX_RECOVERIES, recover_expired_leases
from marketing_etl.models import JobStatus, utcnow
from marketing_etl.notifications.delivery import Deliverer
from marketing_etl.notifications.events import on_job_finished
from marketing_etl.notifications.periodic import check_periodic
from marketing_etl.schedules.process import StoreQueue
from tests.api.helpers import make_settings, running_api
from tests.notifications.receivers import http_receiver
from tests.notifications.support import (
    SLACK_PATH,
    WEBHOOK_SECRET,
    Clock,
    failed_job,
    notify_settings,
    services_with,
)
from tests.schedules.support import job_body
from tests.storage.factory import make_job


def test_a_totals_mismatch_is_sent_with_the_differences(tmp_path: Path) -> None:
    with http_receiver() as http, services_with(tmp_path, notify_settings(http)) as services:
        services.store.insert_job(make_job("job-t"))
        services.store.update_job("job-t", status=JobStatus.SUCCESS, message="Wrote 40 rows")
        comparison = MetricComparison("act_1", "spend", Decimal("120.50"), Decimal("118.00"), matches=False)
        services.store.totals_checks.put(
            TotalsCheck("job-t", utcnow(), TotalsOutcome.MISMATCH, comparisons=(comparison,))
        )
        on_job_finished(services.store, services.settings, services.vault, "job-t")
        sender = Deliverer(services.store, services.settings, services.vault)
        assert sender.deliver_due() == 2
        sender.close()
    [hook] = http.on("/hook")
    body = hook.json()
    assert body["event"] == "totals_mismatch" and body["status"] == "SUCCESS"
    assert body["mismatches"] == [
        {"account": "act_1", "metric": "spend", "platform_total": "120.50", "report_total": "118.00"}
    ]
    assert "act_1 spend: platform 120.50, report 118.00" in body["message"]


def test_periodic_warnings_are_sent_once_a_day(tmp_path: Path) -> None:
    # v24.0 ends on 2026-11-10: 40 days before, the warning is on.
    today = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    overrides: dict[str, Any] = {"facebook_api_version": "v24.0", "notify_slack_webhook_url": None}
    with http_receiver() as http, services_with(tmp_path, notify_settings(http, **overrides)) as services:
        soon = ConnectionCheck(checked_at=today, ok=True, expires_at=today + timedelta(days=3))
        later = ConnectionCheck(checked_at=today, ok=True, expires_at=today + timedelta(days=30))
        connections = services.store.connections
        connections.insert(Connection("c-soon", "facebook", "Main ads", today, last_check=soon), b"x")
        connections.insert(Connection("c-later", "facebook", "Other", today, last_check=later), b"y")
        assert check_periodic(services.store, services.settings, today) == 2
        assert check_periodic(services.store, services.settings, today + timedelta(hours=5)) == 0  # same day
        sender = Deliverer(services.store, services.settings, services.vault, clock=Clock(today))
        assert sender.deliver_due() == 2
        sender.close()
        assert check_periodic(services.store, services.settings, today + timedelta(days=1)) == 2
    events = {r.json()["event"]: r.json() for r in http.on("/hook")}
    assert events["connection_expiring"]["connection_id"] == "c-soon"
    assert events["connection_expiring"]["expires_at"] == "2026-10-04T08:00:00Z"
    assert events["api_version_ending"]["api_version"] == "v24.0"
    assert "2026-11-10" in events["api_version_ending"]["message"]


def test_notify_events_leaves_out_the_others(tmp_path: Path) -> None:
    only_totals: dict[str, Any] = {"notify_events": "totals_mismatch"}
    with http_receiver() as http, services_with(tmp_path, notify_settings(http, **only_totals)) as services:
        failed_job(services, "job-f")
        on_job_finished(services.store, services.settings, services.vault, "job-f")
        assert services.store.notifications.for_job("job-f") == []
        assert services.settings.notify_event_set == {"totals_mismatch"}


def test_schedule_channels_are_validated_and_never_returned(tmp_path: Path) -> None:
    body = {
        "name": "Nightly", "cron": "0 6 * * *", "timezone": "UTC", "date_range": "yesterday",
        "job": job_body(),
    }
    with running_api(make_settings(tmp_path, embedded_scheduler=False)) as api:
        client, services = api.client, api.services
        wrong = client.post("/schedules", json={**body, "notify": {
            "webhook_url": "ftp://hooks.example.com", "email_to": ["not-an-address"]}})
        no_secret = client.post("/schedules", json={**body, "notify": {"webhook_url": "https://h.example.com/x"}})
        created = client.post("/schedules", json={**body, "notify": {
            "webhook_url": "https://h.example.com/x", "webhook_secret": WEBHOOK_SECRET,
            "slack_webhook_url": f"https://hooks.slack.com{SLACK_PATH}", "email_to": ["ops@example.com"]}})
        listed = client.get("/schedules")
        assert created.status_code == 201, created.text
        stored = services.store.schedules.get(created.json()["schedule_id"])
    assert wrong.status_code == 422
    fields = {tuple(error["loc"]) for error in wrong.json()["detail"]}
    assert {("body", "notify", "webhook_url"), ("body", "notify", "email_to")} <= fields
    assert no_secret.status_code == 422
    assert [e["loc"] for e in no_secret.json()["detail"]] == [["body", "notify", "webhook_secret"]]
    assert created.status_code == 201, created.text
    assert created.json()["notify"] == {
        "webhook_url": "https://h.example.com/x", "webhook_secret_stored": True, "slack_stored": True,
        "email_to": ["ops@example.com"],
    }
    for text in (created.text, listed.text):
        assert WEBHOOK_SECRET not in text and SLACK_PATH not in text
    # Stored encrypted: neither secret is in the database in clear.
    assert stored is not None and stored.notify is not None
    assert WEBHOOK_SECRET not in str(stored.notify) and SLACK_PATH not in str(stored.notify)
    database = (tmp_path / "test.db").read_bytes()
    assert WEBHOOK_SECRET.encode() not in database and SLACK_PATH.encode() not in database


def test_a_job_failed_by_recovery_is_notified_too(tmp_path: Path) -> None:
    overrides: dict[str, Any] = {"notify_slack_webhook_url": None}
    with http_receiver() as http, services_with(tmp_path, notify_settings(http, **overrides)) as services:
        expired = utcnow() - timedelta(minutes=1)
        services.store.insert_job(make_job("job-crash"))
        services.store.update_job(
            "job-crash", status=JobStatus.RUNNING, recoveries=MAX_RECOVERIES, lease_owner="gone:1:w",
            lease_expires_at=expired,
        )
        assert recover_expired_leases(services, StoreQueue(), utcnow()) == ["job-crash"]
        sender = Deliverer(services.store, services.settings, services.vault)
        assert sender.deliver_due() == 1
        sender.close()
    [hook] = http.on("/hook")
    assert hook.json()["event"] == "job_failed" and "stopped twice" in hook.json()["message"]
