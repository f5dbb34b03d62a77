"""Services on a real SQLite store with the notification settings pointed at the receivers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from marketing_etl.models import Job, JobStatus
from marketing_etl.services import Services
from marketing_etl.wiring import build_services
from tests.executors.support import make_settings
from tests.notifications.receivers import SMTP_PASSWORD, SMTP_USER, HttpReceiver, SmtpReceiver
from tests.storage.factory import make_job

WEBHOOK_SECRET = "whsec-3c1f9a27d84e5b60"
SLACK_PATH = "/services/T0SECRET/B0SECRET/slack-path-secret-7d2e"


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def notify_settings(
    http: HttpReceiver, *, smtp: SmtpReceiver | None = None, **overrides: object
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "public_url": "https://etl.example.com/",
        "notify_webhook_url": f"{http.url}/hook",
        "notify_webhook_secret": WEBHOOK_SECRET,
        "notify_slack_webhook_url": f"{http.url}{SLACK_PATH}",
    }
    if smtp is not None:
        values.update(
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_username=SMTP_USER,
            smtp_password=SMTP_PASSWORD,
            smtp_ca_file=smtp.ca_file,
            notify_email_from="etl@example.com",
            notify_email_to="ops@example.com, lead@example.com",
        )
    values.update(overrides)
    return values


@contextmanager
def services_with(tmp_path: Path, settings: dict[str, Any]) -> Iterator[Services]:
    services = build_services(make_settings(tmp_path, embedded_scheduler=False, **settings))
    try:
        yield services
    finally:
        services.close()


def failed_job(services: Services, job_id: str, message: str = "Facebook refused the access token.") -> Job:
    """A job stored with its final FAILED status, as the runner leaves it."""
    services.store.insert_job(make_job(job_id))
    services.store.update_job(job_id, status=JobStatus.FAILED, message=message)
    job = services.store.get_job(job_id)
    assert job is not None
    return job
