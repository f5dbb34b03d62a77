"""/schedules/describe and /schedules/{id}/pause|resume|run-now: steering a schedule.

Behind the same X-API-Key check as the rest of /schedules; the dashboard mounts these same
handlers behind its login (routes_dashboard_schedules.py). Pause, resume and run-now are the CLI's
`schedules pause|resume|run-now` (manage.set_enabled and manage.run_now, which fires through
the scheduler's own path, as a firing at the current minute).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from marketing_etl.api.auth import require_api_key
from marketing_etl.api.deps import ExecutorDep, ServicesDep
from marketing_etl.api.errors import unprocessable
from marketing_etl.api.responses import BODY_TOO_LARGE, Responses, json_answer
from marketing_etl.api.routes_schedules import (
    NOT_FOUND,
    UNAUTHORIZED,
    ScheduleOut,
    existing_schedule,
    not_found,
    schedule_out,
)
from marketing_etl.models import utcnow
from marketing_etl.schedules import manage
from marketing_etl.schedules.cron import check_cron, check_timezone
from marketing_etl.schedules.describe import NEXT_RUNS, describe, next_runs
from marketing_etl.services import Services

router = APIRouter(prefix="/schedules", tags=["schedules"], dependencies=[Depends(require_api_key)])

_EXAMPLE_CRON = "0 6 * * *"
_NO_JOB: Responses = {
    409: json_answer(
        "The schedule can create no job now (its job body no longer validates, or its token "
        "cannot be decrypted); the detail says why and what to send",
        {
            "detail": "Schedule 'daily-spend-1a2b3c' created no job: its access token cannot be decrypted "
            "(SECRET_KEY changed); send a new access_token"
        },
    )
}
_BAD_QUERY: Responses = {
    422: json_answer(
        "cron or timezone is not valid; one entry each, naming the query parameter",
        {
            "detail": [
                {
                    "loc": ["query", "cron"],
                    "msg": "cron needs 5 fields (minute hour day month "
                    'weekday); e.g. "0 6 * * *" for 06:00 every day',
                    "type": "value_error",
                }
            ]
        },
    )
}


class Description(BaseModel):
    description: str = Field(description='e.g. "every day at 06:00 Asia/Ho_Chi_Minh"')
    next_runs: list[str] = Field(description="the next 3 firings, ISO 8601 in the time zone, with offset")


class RunNow(BaseModel):
    schedule_id: str
    job_id: str = Field(description="the job of this firing: GET /reports/{job_id} follows it")
    created: bool = Field(description="false when this minute's job already existed (nothing new was queued)")
    message: str


@router.get(
    "/describe",
    response_model=Description,
    summary="Say a cron expression in words, with its next runs",
    description=(
        "What the schedule builder previews: the timing in plain language and the next three "
        "firings in `timezone`. Nothing is stored."
    ),
    responses={**UNAUTHORIZED, **_BAD_QUERY},
)
def describe_schedule(
    cron: Annotated[str, Query(description='five cron fields, e.g. "0 6 * * 1-5"', examples=[_EXAMPLE_CRON])],
    timezone: Annotated[str, Query(description="IANA name, e.g. Asia/Ho_Chi_Minh")] = "UTC",
) -> Description | JSONResponse:
    errors: list[dict[str, Any]] = []
    zone_name = timezone.strip()
    try:
        cron = check_cron(cron)
    except ValueError as exc:
        errors.append(_query_problem("cron", exc))
    try:
        zone = check_timezone(zone_name)
    except ValueError as exc:
        errors.append(_query_problem("timezone", exc))
    if errors:
        return unprocessable(errors)
    runs = next_runs(cron, zone, utcnow(), NEXT_RUNS)
    return Description(description=describe(cron, zone_name), next_runs=[run.isoformat() for run in runs])


def _query_problem(field: str, exc: ValueError) -> dict[str, Any]:
    return {"loc": ["query", field], "msg": str(exc), "type": "value_error"}


@router.post(
    "/{schedule_id}/pause",
    response_model=ScheduleOut,
    summary="Pause a schedule",
    description="No firings until it is resumed; the definition and its token are kept.",
    responses={**UNAUTHORIZED, **NOT_FOUND, **BODY_TOO_LARGE},
)
def pause_schedule(schedule_id: str, services: ServicesDep) -> ScheduleOut:
    return _set_enabled(services, schedule_id, enabled=False)


@router.post(
    "/{schedule_id}/resume",
    response_model=ScheduleOut,
    summary="Resume a paused schedule",
    description="The next firing is counted from now: slots missed while paused never fire.",
    responses={**UNAUTHORIZED, **NOT_FOUND, **BODY_TOO_LARGE},
)
def resume_schedule(schedule_id: str, services: ServicesDep) -> ScheduleOut:
    return _set_enabled(services, schedule_id, enabled=True)


def _set_enabled(services: Services, schedule_id: str, *, enabled: bool) -> ScheduleOut:
    schedule = manage.set_enabled(services, schedule_id, enabled)
    if schedule is None:
        raise not_found(schedule_id)
    return schedule_out(services, schedule)


@router.post(
    "/{schedule_id}/run-now",
    response_model=RunNow,
    summary="Run a schedule now",
    description=(
        "Creates the schedule's job at once, as a firing at the current minute (job_id "
        "`<schedule_id>.<YYYYMMDDTHHMM>Z`, dates from `date_range` on today's date in the "
        "schedule's zone), paused or not. Asking twice in one minute returns the same job. "
        "The regular firings are unchanged; on an active schedule the job becomes its latest "
        "(last_job_id)."
    ),
    responses={**UNAUTHORIZED, **NOT_FOUND, **BODY_TOO_LARGE, **_NO_JOB},
)
def run_schedule_now(schedule_id: str, services: ServicesDep, executor: ExecutorDep) -> RunNow:
    ran = manage.run_now(services, executor, existing_schedule(services, schedule_id), utcnow())
    if ran.problem is not None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"Schedule '{schedule_id}' created no job: {ran.problem}"
        )
    message = "Job queued." if ran.created else "This minute's job already existed; nothing new was queued."
    return RunNow(schedule_id=schedule_id, job_id=ran.job_id, created=ran.created, message=message)
