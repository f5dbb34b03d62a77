"""/schedules: create, list, read, replace and delete recurring reports.

Behind the same X-API-Key check as /reports. A schedule's access token goes in with its job
body, is stored encrypted, and never comes back out: responses only say whether one is stored.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from marketing_etl.api.auth import require_api_key
from marketing_etl.api.deps import ServicesDep
from marketing_etl.api.errors import unprocessable
from marketing_etl.api.responses import JSON_BODY_ERRORS, invalid_fields
from marketing_etl.api.schemas import UtcTime
from marketing_etl.contracts.plugins import FieldProblem
from marketing_etl.models import JobStatus
from marketing_etl.notifications.channels import notify_summary
from marketing_etl.schedules import manage
from marketing_etl.schedules.dates import DateRange
from marketing_etl.schedules.describe import describe
from marketing_etl.schedules.model import Schedule, ScheduleDefinition
from marketing_etl.services import Services

router = APIRouter(prefix="/schedules", tags=["schedules"], dependencies=[Depends(require_api_key)])

UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "API_KEYS is set and the X-API-Key header is missing or wrong"}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No schedule has this id"}}
_INVALID = invalid_fields(
    "Invalid fields, one entry each; the job body has the create-job rules and limits",
    ["job", "accounts"],
    "accounts has 501 entries; at most 500 are accepted — split the report into several jobs",
)


class ScheduleOut(BaseModel):
    schedule_id: str
    name: str
    cron: str
    timezone: str
    date_range: DateRange
    enabled: bool
    job: dict[str, Any] = Field(description="the job body of every firing, without dates and token")
    token_stored: bool
    next_run_at: UtcTime | None = Field(description="the next firing (UTC); null while disabled")
    last_run_at: UtcTime | None = Field(description="the slot of the latest firing (UTC)")
    last_job_id: str | None
    last_error: str | None = Field(description="why the latest firing created no job, if it did not")
    created_at: UtcTime
    updated_at: UtcTime
    description: str = Field(description='the timing in words, e.g. "every day at 06:00 Asia/Ho_Chi_Minh"')
    next_run_local: str | None = Field(
        description="next_run_at in the schedule's time zone, ISO 8601 with its offset"
    )
    last_job_status: JobStatus | None = Field(description="the status of last_job_id's job, if it exists")
    notify: dict[str, Any] | None = Field(
        None,
        description="the schedule's own notification channels: webhook_url, whether its secret and a "
        "Slack URL are stored (never the secrets), email_to",
    )
    failures_in_row: int = Field(0, description="its firings' jobs that failed since the last success")


class ScheduleList(BaseModel):
    schedules: list[ScheduleOut]


class Deleted(BaseModel):
    status: str = "deleted"
    schedule_id: str


def schedule_out(services: Services, schedule: Schedule) -> ScheduleOut:
    last_job = services.store.get_job(schedule.last_job_id) if schedule.last_job_id else None
    next_local = schedule.next_run_at.astimezone(schedule.zone) if schedule.next_run_at else None
    return ScheduleOut(
        token_stored=services.store.schedules.token(schedule.schedule_id) is not None,
        last_run_at=schedule.last_slot_at,
        description=describe(schedule.cron, schedule.timezone),
        next_run_local=next_local.isoformat() if next_local else None,
        last_job_status=last_job.status if last_job else None,
        notify=notify_summary(schedule.notify),
        **schedule.model_dump(exclude={"last_slot_at", "notify"}),
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ScheduleOut,
    summary="Create a recurring report",
    description=(
        "Fires at each `cron` time in `timezone`, creating an ordinary job with a generated "
        "job_id (`<schedule_id>.<YYYYMMDDTHHMM>Z`) and the dates `date_range` gives on that day: "
        "yesterday, last_7_days, last_30_days, month_to_date or last_month. A job body with "
        "`refresh_days` (0-28, appending to Sheets) also re-fetches that many days before each "
        "firing's range and replaces their rows in place, as conversions settle."
    ),
    responses={**UNAUTHORIZED, **JSON_BODY_ERRORS, **_INVALID},
)
def create_schedule(body: ScheduleDefinition, services: ServicesDep) -> ScheduleOut | JSONResponse:
    checked = manage.check(services, body, token_stored=False)
    if not isinstance(checked, manage.Checked):
        return _invalid(checked, body)
    return schedule_out(services, manage.create(services, body, checked))


@router.get(
    "",
    response_model=ScheduleList,
    summary="Every schedule",
    description="Each with its next firing, its latest firing's job (or why it has none).",
    responses=UNAUTHORIZED,
)
def list_schedules(services: ServicesDep) -> ScheduleList:
    return ScheduleList(schedules=[schedule_out(services, s) for s in services.store.schedules.all()])


@router.get(
    "/{schedule_id}",
    response_model=ScheduleOut,
    summary="One schedule",
    description="The definition (never the token), the next firing and the latest one's job.",
    responses={**UNAUTHORIZED, **NOT_FOUND},
)
def get_schedule(schedule_id: str, services: ServicesDep) -> ScheduleOut:
    return schedule_out(services, existing_schedule(services, schedule_id))


@router.put(
    "/{schedule_id}",
    response_model=ScheduleOut,
    summary="Replace a schedule",
    description=(
        "The whole definition, as for create. Without `job.access_token` the stored token is "
        "kept. The next firing is counted from now under the new definition."
    ),
    responses={**UNAUTHORIZED, **NOT_FOUND, **JSON_BODY_ERRORS, **_INVALID},
)
def replace_schedule(
    schedule_id: str, body: ScheduleDefinition, services: ServicesDep
) -> ScheduleOut | JSONResponse:
    stored = services.store.schedules.token(existing_schedule(services, schedule_id).schedule_id) is not None
    checked = manage.check(services, body, token_stored=stored)
    if not isinstance(checked, manage.Checked):
        return _invalid(checked, body)
    replaced = manage.replace(services, schedule_id, body, checked)
    if replaced is None:
        raise not_found(schedule_id)
    return schedule_out(services, replaced)


@router.delete(
    "/{schedule_id}",
    response_model=Deleted,
    summary="Delete a schedule",
    description="No further firings; the jobs it already created, and their logs, stay.",
    responses={**UNAUTHORIZED, **NOT_FOUND},
)
def delete_schedule(schedule_id: str, services: ServicesDep) -> Deleted:
    if not services.store.schedules.delete(schedule_id):
        raise not_found(schedule_id)
    return Deleted(schedule_id=schedule_id)


def existing_schedule(services: Services, schedule_id: str) -> Schedule:
    schedule = services.store.schedules.get(schedule_id)
    if schedule is None:
        raise not_found(schedule_id)
    return schedule


def not_found(schedule_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"No schedule with id '{schedule_id}'.")


def _invalid(problems: list[FieldProblem], body: ScheduleDefinition) -> JSONResponse:
    token = body.job.get("access_token")
    errors = [
        {"loc": ["body", *problem.field.split(".")], "msg": problem.message, "type": "value_error"}
        for problem in problems
    ]
    return unprocessable(errors, [token] if isinstance(token, str) else [])


