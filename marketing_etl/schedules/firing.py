"""One firing of a schedule: build its job request and create the job through jobs.create_job.

The job_id is derived from the schedule and the slot, so firing the same slot again (a retry
after a crash, or two schedulers racing) finds the job already there and creates nothing.
A firing that can never become a job (its body no longer validates, its token cannot be
decrypted) records why on the schedule instead of being retried forever.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import ValidationError

from marketing_etl.contracts.executor import Executor
from marketing_etl.job_errors import Conflict, Invalid
from marketing_etl.job_spec import JobRequest
from marketing_etl.jobs import check_request, create_job
from marketing_etl.models import LogLine
from marketing_etl.schedules.model import Schedule, firing_request
from marketing_etl.services import Services

log = logging.getLogger(__name__)


def fire(
    services: Services, executor: Executor, schedule: Schedule, slot: datetime, now: datetime
) -> str | None:
    """Create the job of the firing at `slot`; returns its job_id, or None if it existed already
    or cannot exist."""
    request, problem = build_request(services, schedule, slot, now)
    if request is None:
        _give_up(services, schedule, slot, problem)
        return None
    try:
        created = create_job(services, executor, request)
    except Conflict:
        _give_up(services, schedule, slot, f"job_id {request.job_id} is used by a different job")
        return None
    services.store.schedules.record_firing(schedule.schedule_id, slot, request.job_id, None)
    if not created.new:
        return None  # an earlier attempt at this firing (or another scheduler) created it
    _log_origin(services, schedule, slot, request)
    log.info("schedule %s fired: job %s", schedule.schedule_id, request.job_id)
    return request.job_id


def build_request(
    services: Services, schedule: Schedule, slot: datetime, now: datetime
) -> tuple[JobRequest | None, str]:
    """The firing's job request, or None and why it can be none (run-now answers with that)."""
    ciphertext = services.store.schedules.token(schedule.schedule_id)
    token = services.vault.decrypt(ciphertext) if ciphertext is not None else None
    if ciphertext is not None and token is None:
        return None, "its access token cannot be decrypted (SECRET_KEY changed); send a new access_token"
    try:
        request = firing_request(schedule, slot, token)
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return None, f"its job body is no longer valid ({fields})"
    try:
        check_request(services, request, now.date(), connection_must_exist=False)
    except Invalid as exc:
        return None, f"its job body is no longer valid ({exc})"
    return request, ""


def _give_up(services: Services, schedule: Schedule, slot: datetime, problem: str) -> None:
    message = f"The firing at {slot:%Y-%m-%d %H:%M} UTC created no job: {problem}"
    log.error("schedule %s: %s", schedule.schedule_id, message)
    services.store.schedules.record_firing(schedule.schedule_id, slot, None, message)


def _log_origin(services: Services, schedule: Schedule, slot: datetime, request: JobRequest) -> None:
    local = slot.astimezone(schedule.zone)
    message = (
        f"Created by schedule '{schedule.name}' ({schedule.schedule_id}) for its firing at "
        f"{local:%Y-%m-%d %H:%M} {schedule.timezone}: {schedule.date_range.value}, "
        f"{request.start_date} to {request.end_date}"
    )
    services.store.append_logs([LogLine(job_id=request.job_id, message=message)])
