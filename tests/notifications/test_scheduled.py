"""End to end in the sandbox: a schedule whose token the simulated TikTok refuses fires twice
through the real scheduler; both jobs fail, and "failed twice in a row" reaches the server's
webhook and the schedule's own Slack and e-mail channels, delivered by `serve`'s own loop."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from marketing_etl.models import utcnow
from marketing_etl.notifications.senders import SIGNATURE_HEADER
from marketing_etl.sandbox.magic import EXPIRED_TOKEN
from marketing_etl.schedules.scheduler import Scheduler
from marketing_etl.services import Services
from tests.executors.support import wait_until
from tests.notifications.receivers import http_receiver, smtp_receiver
from tests.notifications.support import SLACK_PATH, WEBHOOK_SECRET, Clock, notify_settings
from tests.sandbox.support import DASH_AUTH, serve_sandbox, tiktok_body

TWICE = "schedule_failed_twice"


def schedule_body(slack_url: str) -> dict[str, Any]:
    job = tiktok_body("unused", "product", access_token=EXPIRED_TOKEN, spreadsheet_id="notify-sheet")
    for generated in ("job_id", "start_date", "end_date"):
        job.pop(generated)
    return {
        "name": "Nightly GMV",
        "cron": "0 6 * * *",
        "timezone": "UTC",
        "date_range": "yesterday",
        "job": job,
        "notify": {"slack_webhook_url": slack_url, "email_to": ["team@example.com"]},
    }


def test_a_schedule_failing_twice_reaches_webhook_slack_and_email(tmp_path: Path) -> None:
    with http_receiver() as http, smtp_receiver(tmp_path) as smtp:
        # The server's own channels: the webhook, and SMTP with no list of its own.
        settings = notify_settings(http, smtp=smtp, notify_slack_webhook_url=None, notify_email_to=None)
        with serve_sandbox(tmp_path / "data", **settings) as server:
            created = server.http.post("/schedules", json=schedule_body(f"{http.url}{SLACK_PATH}"))
            assert created.status_code == 201, created.text
            assert SLACK_PATH not in created.text
            schedule = created.json()
            assert schedule["notify"] == {
                "webhook_url": None, "webhook_secret_stored": False, "slack_stored": True,
                "email_to": ["team@example.com"],
            }
            clock = Clock(utcnow())
            scheduler = Scheduler(server.services, server.executor, clock=clock)
            jobs = [_fire(server.services, scheduler, clock, schedule["schedule_id"]) for _ in range(2)]
            for job_id in jobs:
                assert server.wait(job_id)["status"] == "FAILED"
            wait_until(lambda: _twice_everywhere(http, smtp), 30, "the notifications of the 2nd failure", 0.2)
            after = server.http.get(f"/schedules/{schedule['schedule_id']}").json()
            page = server.http.get(f"/api/dashboard/jobs/{jobs[1]}/notifications", auth=DASH_AUTH).json()

    assert after["failures_in_row"] == 2
    [hook] = [r for r in http.on("/hook") if r.json()["event"] == TWICE]
    assert hook.headers[SIGNATURE_HEADER] == (
        "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), hook.body, hashlib.sha256).hexdigest()
    )
    body = hook.json()
    assert body["job_id"] == jobs[1] and body["schedule_id"] == schedule["schedule_id"]
    assert body["status"] == "FAILED" and "revoked" in body["message"]
    assert body["link"] == f"https://etl.example.com/dashboard/jobs/{jobs[1]}"
    [slack] = [r for r in http.on(SLACK_PATH) if "twice in a row" in r.json()["text"]]
    assert f"/dashboard/jobs/{jobs[1]}|Open in Marketing ETL>" in slack.json()["text"]
    [mail] = [m for m in smtp.received() if "twice in a row" in m["Subject"]]
    assert mail["To"] == "team@example.com"
    # Every job failed: job_failed went to each channel for each job as well.
    assert sum(r.json()["event"] == "job_failed" for r in http.on("/hook")) == 2
    twice = [n for n in page["notifications"] if n["event"] == TWICE]
    assert sorted(n["channel"] for n in twice) == sorted(
        ["webhook", f"schedule:{schedule['schedule_id']}:slack", f"schedule:{schedule['schedule_id']}:email"]
    )
    assert all(n["state"] == "sent" and n["attempts"][0]["ok"] for n in twice)


def _fire(services: Services, scheduler: Scheduler, clock: Clock, schedule_id: str) -> str:
    """Move the scheduler's clock to the schedule's next firing and tick once."""
    schedule = services.store.schedules.get(schedule_id)
    assert schedule is not None and schedule.next_run_at is not None
    clock.now = schedule.next_run_at
    [job_id] = [j for j in scheduler.tick() if j.startswith(f"{schedule_id}.")]
    return job_id


def _twice_everywhere(http: Any, smtp: Any) -> bool:
    hooks = [r for r in http.on("/hook") if r.json()["event"] == TWICE]
    slacks = [r for r in http.on(SLACK_PATH) if "twice in a row" in r.json()["text"]]
    mails = [m for m in smtp.received() if "twice in a row" in m["Subject"]]
    return bool(hooks and slacks and mails)
