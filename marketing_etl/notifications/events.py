"""Turning events into outbox entries: one Notification per event and channel, its id derived
from the event, its subject and the channel, so noticing an event twice sends it once.

Called after the event is recorded. Nothing here raises into its caller: a job's outcome is
already stored, and a notification that could not be enqueued is logged instead.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from marketing_etl.contracts.notifications import Notification
from marketing_etl.contracts.store import Store
from marketing_etl.contracts.totals import TotalsOutcome
from marketing_etl.models import Job, JobStatus, utcnow
from marketing_etl.notifications.channels import Channel, schedule_channels, settings_channels
from marketing_etl.settings import Settings
from marketing_etl.tokens import TokenVault

if TYPE_CHECKING:
    from marketing_etl.schedules.model import Schedule

log = logging.getLogger(__name__)

JOB_FAILED = "job_failed"
TOTALS_MISMATCH = "totals_mismatch"
SCHEDULE_FAILED_TWICE = "schedule_failed_twice"
CONNECTION_EXPIRING = "connection_expiring"
API_VERSION_ENDING = "api_version_ending"
# A schedule's firing job id: `<schedule_id>.<YYYYMMDDTHHMM>Z` (schedules/model.py).
_FIRING_ID = re.compile(r"(?P<schedule>.+)\.\d{8}T\d{4}Z")
_SHOWN_MISMATCHES = 5


@dataclass(frozen=True)
class Event:
    name: str
    subject: str  # with the name, what makes the notification unique (a job's attempt, a day)
    title: str
    message: str
    link: str
    job_id: str | None = None
    schedule_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def notification_id(event: str, subject: str, channel: str) -> str:
    digest = hashlib.sha256(f"{event}\n{subject}\n{channel}".encode()).hexdigest()[:32]
    return f"{event}-{digest}"


def enqueue(
    store: Store, settings: Settings, event: Event, channels: Iterable[Channel], now: datetime
) -> int:
    """Enqueue the event for each channel (none when NOTIFY_EVENTS leaves it out); returns how
    many were new."""
    if event.name not in settings.notify_event_set:
        return 0
    added = 0
    for channel in channels:
        nid = notification_id(event.name, event.subject, channel.name)
        payload = {
            "event": event.name,
            "notification_id": nid,
            "title": event.title,
            "message": event.message,
            "link": event.link,
            "job_id": event.job_id,
            "schedule_id": event.schedule_id,
            "at": now.isoformat().replace("+00:00", "Z"),
            **event.details,
        }
        notification = Notification(
            notification_id=nid,
            event=event.name,
            channel=channel.name,
            created_at=now,
            payload=payload,
            job_id=event.job_id,
            schedule_id=event.schedule_id,
            next_attempt_at=now,
        )
        added += store.notifications.enqueue(notification)
    return added


def schedule_of(job_id: str) -> str | None:
    found = _FIRING_ID.fullmatch(job_id)
    return found.group("schedule") if found else None


def job_link(settings: Settings, job_id: str) -> str:
    return f"{settings.resolved_public_url}/dashboard/jobs/{job_id}"


def on_job_finished(store: Store, settings: Settings, vault: TokenVault, job_id: str) -> None:
    """After a job's final status is stored: count the schedule's failures in a row, and enqueue
    job_failed, totals_mismatch and schedule_failed_twice as they apply."""
    try:
        job = store.get_job(job_id)
        if job is not None:
            _job_events(store, settings, vault, job)
    except Exception:
        log.exception("job %s: its notifications could not be enqueued", job_id)


def _job_events(store: Store, settings: Settings, vault: TokenVault, job: Job) -> None:
    now = utcnow()
    schedule_id = schedule_of(job.job_id)
    schedule = store.schedules.get(schedule_id) if schedule_id else None
    channels = settings_channels(settings) + (schedule_channels(vault, schedule) if schedule else [])
    events: list[Event] = []
    if schedule is not None and job.status in (JobStatus.SUCCESS, JobStatus.FAILED):
        failures = store.schedules.record_outcome(schedule.schedule_id, failed=job.status is JobStatus.FAILED)
        if failures == 2:
            events.append(_schedule_failed_twice(settings, job, schedule))
    if job.status is JobStatus.FAILED:
        events.append(_job_event(settings, job, JOB_FAILED, f"Job {job.job_id} failed", schedule_id))
    mismatch = _totals_mismatch(store, settings, job, schedule_id)
    if mismatch is not None:
        events.append(mismatch)
    for event in events:
        enqueue(store, settings, event, channels, now)


def _job_event(settings: Settings, job: Job, name: str, title: str, schedule_id: str | None) -> Event:
    return Event(
        name=name,
        subject=f"{job.job_id}#{job.attempt}",
        title=title,
        message=job.message or "",
        link=job_link(settings, job.job_id),
        job_id=job.job_id,
        schedule_id=schedule_id,
        details={"status": job.status.value, "attempt": job.attempt},
    )


def _schedule_failed_twice(settings: Settings, job: Job, schedule: Schedule) -> Event:
    event = _job_event(
        settings,
        job,
        SCHEDULE_FAILED_TWICE,
        f'Schedule "{schedule.name}" failed twice in a row',
        schedule.schedule_id,
    )
    return replace(event, details={**event.details, "schedule_name": schedule.name})


def _totals_mismatch(store: Store, settings: Settings, job: Job, schedule_id: str | None) -> Event | None:
    check = store.totals_checks.get(job.job_id)
    if check is None or check.outcome != TotalsOutcome.MISMATCH:
        return None
    shown = [
        f"{m.account} {m.metric}: platform {m.platform_total}, report {m.report_total}"
        for m in check.mismatches[:_SHOWN_MISMATCHES]
    ]
    title = f"Job {job.job_id}: totals differ from the platform's"
    event = _job_event(settings, job, TOTALS_MISMATCH, title, schedule_id)
    mismatches = [
        {"account": m.account, "metric": m.metric, "platform_total": str(m.platform_total),
         "report_total": str(m.report_total)}
        for m in check.mismatches
    ]
    message = "The report's sums differ from the platform's own totals: " + "; ".join(shown)
    return replace(event, message=message, details={**event.details, "mismatches": mismatches})
