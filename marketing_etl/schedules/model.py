"""A schedule: a cron expression in a time zone plus a job body with relative dates.

The stored `job` is the create-job body without job_id, dates and access token (the token is
kept apart, encrypted). Each firing turns it back into an ordinary JobRequest whose job_id is
derived from the schedule and the firing's slot, so creating that job twice is harmless.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, SecretStr, field_validator

from marketing_etl.job_spec import JobRequest
from marketing_etl.models import utcnow
from marketing_etl.notifications.channels import ScheduleNotify
from marketing_etl.schedules.cron import check_cron, check_timezone
from marketing_etl.schedules.dates import DateRange, resolve

# Fields a schedule fills in itself at each firing; a body that sends them is refused.
GENERATED_FIELDS = ("job_id", "start_date", "end_date")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
SLUG_LENGTH = 40


class ScheduleDefinition(BaseModel):
    """What a client sends to create or replace a schedule (the token inside `job`)."""

    name: str = Field(description="shown on the dashboard in the job ids of its firings")
    cron: str = Field(description='five fields, minute hour day month weekday, e.g. "0 6 * * *"')
    timezone: str = Field("UTC", description="IANA name; cron times and relative dates use it")
    date_range: DateRange = Field(description="the report period, relative to the firing's date")
    enabled: bool = True
    job: dict[str, Any] = Field(
        description="the create-job body without job_id, start_date and end_date "
        "(access_token included; it is stored encrypted and never returned)"
    )
    notify: ScheduleNotify | None = Field(
        None, description="the schedule's own notification channels, besides the server's"
    )

    @field_validator("name")
    @classmethod
    def _name_shape(cls, value: str) -> str:
        value = value.strip()
        if not 1 <= len(value) <= 100 or _CONTROL_CHARS.search(value):
            raise ValueError("name must be 1-100 characters on one line")
        return value

    @field_validator("cron")
    @classmethod
    def _cron_shape(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        check_timezone(value.strip())
        return value.strip()


class Schedule(BaseModel):
    """A stored schedule and where its firings stand (times in UTC)."""

    schedule_id: str
    name: str
    cron: str
    timezone: str
    date_range: DateRange
    enabled: bool = True
    job: dict[str, Any]
    next_run_at: datetime | None = None  # None while disabled
    last_slot_at: datetime | None = None  # the slot of the latest claimed firing
    last_job_id: str | None = None  # the job created for last_slot_at; None while pending
    last_error: str | None = None  # why last_slot_at could not become a job
    notify: dict[str, Any] | None = None  # its own channels, secrets encrypted (notifications/channels.py)
    failures_in_row: int = 0  # its firings' jobs that ended FAILED since the last SUCCESS
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def pending(self) -> bool:
        """Claimed but not yet turned into a job (a scheduler died or the store failed)."""
        return self.last_slot_at is not None and self.last_job_id is None and self.last_error is None


def new_schedule_id(name: str) -> str:
    """A readable, unique id: the name's slug and a random suffix."""
    slug = _NOT_SLUG.sub("-", name.lower()).strip("-")[:SLUG_LENGTH].strip("-") or "schedule"
    return f"{slug}-{secrets.token_hex(3)}"


def firing_job_id(schedule_id: str, slot: datetime) -> str:
    return f"{schedule_id}.{slot:%Y%m%dT%H%MZ}"


def firing_request(schedule: Schedule, slot: datetime, token: str | None) -> JobRequest:
    """The create-job request of the firing at `slot` (UTC)."""
    start, end = resolve(schedule.date_range, slot.astimezone(schedule.zone).date())
    body: dict[str, Any] = {**schedule.job}
    body["task_id"] = body.get("task_id") or schedule.name
    body.update(job_id=firing_job_id(schedule.schedule_id, slot), start_date=start, end_date=end)
    # A body naming a saved connection uses its token, even if one from before is still stored.
    if token is not None and not body.get("connection_id"):
        body["access_token"] = SecretStr(token)
    return JobRequest.model_validate(body)
