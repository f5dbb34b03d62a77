"""Schedule lifecycle commands behind /schedules (and `marketing-etl schedules`): create,
replace, delete, pause, resume and run now, with validation.

A definition is checked the way a firing will be: its job body, given a placeholder job_id and
the dates its range resolves to today, must pass every create-job rule. Problems name the
field inside the body (`job.accounts`), so a client can fix the whole request at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from marketing_etl.connections.manage import request_problems
from marketing_etl.contracts.executor import Executor
from marketing_etl.contracts.plugins import FieldProblem
from marketing_etl.job_spec import JobRequest
from marketing_etl.models import utcnow
from marketing_etl.notifications.channels import stored_notify
from marketing_etl.schedules.cron import check_timezone, next_slot
from marketing_etl.schedules.dates import resolve
from marketing_etl.schedules.firing import build_request, fire
from marketing_etl.schedules.model import (
    GENERATED_FIELDS,
    Schedule,
    ScheduleDefinition,
    firing_job_id,
    new_schedule_id,
)
from marketing_etl.services import Services
from marketing_etl.validation import canonical, validate_request

_CHECK_JOB_ID = "schedule-check"
TEMPLATE_EXCLUDE = {*GENERATED_FIELDS, "access_token", "is_first_chunk"}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checked:
    """A definition that passed: its job body as stored, and the token to encrypt."""

    job: dict[str, Any]
    token: str | None


def check(
    services: Services, definition: ScheduleDefinition, *, token_stored: bool
) -> Checked | list[FieldProblem]:
    generated = [name for name in GENERATED_FIELDS if name in definition.job]
    if generated:
        return [
            FieldProblem(
                f"job.{name}", f"{name} is generated at each firing (date_range sets the dates); remove it"
            )
            for name in generated
        ]
    token = definition.job.get("access_token") or None
    body = {**definition.job, "job_id": _CHECK_JOB_ID, **_sample_dates(definition)}
    if token is None and token_stored and not definition.job.get("connection_id"):
        body["access_token"] = "stored-token"  # kept from before; only its presence is checked
    try:
        request = JobRequest.model_validate(body)
    except ValidationError as exc:
        return [FieldProblem("job." + ".".join(map(str, e["loc"])), str(e["msg"])) for e in exc.errors()]
    problems = validate_request(request, services.plugins, utcnow().date(), services.settings)
    problems += request_problems(services, request) if not problems else []
    if problems:
        return [FieldProblem(f"job.{p.field}", p.message) for p in problems]
    job = canonical(request.spec(), services.plugins).model_dump(mode="json", exclude=TEMPLATE_EXCLUDE)
    return Checked(job=job, token=str(token) if token is not None else None)


def _sample_dates(definition: ScheduleDefinition) -> dict[str, str]:
    today = utcnow().astimezone(check_timezone(definition.timezone)).date()
    start, end = resolve(definition.date_range, today)
    return {"start_date": start.isoformat(), "end_date": end.isoformat()}


def create(services: Services, definition: ScheduleDefinition, checked: Checked) -> Schedule:
    now = utcnow()
    schedule = Schedule(
        schedule_id=new_schedule_id(definition.name),
        job=checked.job,
        next_run_at=_next_run(definition, now),
        created_at=now,
        updated_at=now,
        notify=stored_notify(services.vault, definition.notify),
        **definition.model_dump(exclude={"job", "notify"}),
    )
    token = services.vault.encrypt(checked.token) if checked.token else None
    if not services.store.schedules.insert(schedule, token):
        raise RuntimeError(f"schedule id {schedule.schedule_id} collided; send the request again")
    return schedule


def replace(
    services: Services, schedule_id: str, definition: ScheduleDefinition, checked: Checked
) -> Schedule | None:
    """The new definition; its next firing is counted from now, so an edit never fires at once
    for slots that passed under the old one."""
    now = utcnow()
    token = services.vault.encrypt(checked.token) if checked.token else None
    fields = definition.model_dump(exclude={"job", "notify"})
    fields["notify"] = stored_notify(services.vault, definition.notify)
    updated = services.store.schedules.update(
        schedule_id, token, now, job=checked.job, next_run_at=_next_run(definition, now), **fields
    )
    return services.store.schedules.get(schedule_id) if updated else None


def set_enabled(services: Services, schedule_id: str, enabled: bool) -> Schedule | None:
    """Pause or resume, the definition otherwise unchanged, as a replace with only `enabled`
    changed would: resuming counts the next firing from now, so slots missed while paused never
    fire. None if no schedule has this id."""
    schedule = services.store.schedules.get(schedule_id)
    if schedule is None:
        return None
    now = utcnow()
    next_run = next_slot(schedule.cron, schedule.zone, now) if enabled else None
    if not services.store.schedules.update(schedule_id, None, now, enabled=enabled, next_run_at=next_run):
        return None
    return services.store.schedules.get(schedule_id)


@dataclass(frozen=True)
class RunNow:
    """What running a schedule by hand did: its job, whether this call created it, or why no
    job can be created."""

    job_id: str
    created: bool
    problem: str | None = None


def run_now(services: Services, executor: Executor, schedule: Schedule, now: datetime) -> RunNow:
    """Fire the schedule as at the current minute, paused or not; the same minute twice gives
    the same job."""
    slot = now.replace(second=0, microsecond=0)
    job_id = firing_job_id(schedule.schedule_id, slot)
    request, problem = build_request(services, schedule, slot, now)
    if request is None:
        log.error("schedule %s: run-now created no job: %s", schedule.schedule_id, problem)
        return RunNow(job_id, created=False, problem=problem)
    if schedule.enabled and schedule.next_run_at is not None:
        # Claimed as the scheduler claims a due firing, the next firing left as it is, so this
        # job shows as the schedule's latest; a paused schedule cannot be claimed.
        services.store.schedules.claim(schedule.schedule_id, schedule.next_run_at, slot, schedule.next_run_at)
    if fire(services, executor, schedule, slot, now) is not None:
        return RunNow(job_id, created=True)
    if services.store.get_job(job_id) is None:
        # job_id taken by a different job, or the body stopped validating between the checks
        return RunNow(job_id, created=False, problem="the firing created no job; try again in a minute")
    return RunNow(job_id, created=False)


def _next_run(definition: ScheduleDefinition, now: datetime) -> datetime | None:
    if not definition.enabled:
        return None
    return next_slot(definition.cron, check_timezone(definition.timezone), now)
