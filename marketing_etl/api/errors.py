"""422 bodies in FastAPI's usual shape, minus anything that could echo a secret.

FastAPI's default handler copies each failed value (`input`) and the validator's context (`ctx`)
into the response; for a create-job body that can be the whole object, access token included.
Every 422 this API sends goes through `unprocessable`, which keeps only loc, msg and type and
masks the request's access token should a message quote it. Pydantic's "Value error, " prefix
is dropped: the message that follows already says what is wrong and how to fix it.

The job commands' refusals (job_errors.py) are answered here too, once for every route.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from marketing_etl.contracts.plugins import FieldProblem
from marketing_etl.job_errors import Conflict, Invalid, JobCommandError, JobNotFound, WrongState
from marketing_etl.tokens import Redactor

_PYDANTIC_PREFIX = "Value error, "
_JOB_ERROR_STATUS: dict[type[JobCommandError], int] = {
    JobNotFound: status.HTTP_404_NOT_FOUND,
    WrongState: status.HTTP_409_CONFLICT,
    Conflict: status.HTTP_409_CONFLICT,
}
# Said after a Conflict's message: "{job_id}" there is the route's path, not a value.
_CONFLICT_HINT = "; send a new job_id (or, to look that job up, GET /reports/{job_id})."


def add_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(JobCommandError, job_command_handler)


def unprocessable(errors: Iterable[Mapping[str, Any]], secrets: Iterable[str] = ()) -> JSONResponse:
    redact = Redactor(*secrets)
    detail = [
        {
            "loc": list(error["loc"]),
            "msg": redact(str(error["msg"]).removeprefix(_PYDANTIC_PREFIX)),
            "type": str(error["type"]),
        }
        for error in errors
    ]
    return JSONResponse(status_code=422, content={"detail": detail})


def problem(field: str, message: str, kind: str = "value_error") -> dict[str, Any]:
    """One 422 entry about a field of the JSON body."""
    return {"loc": ["body", field], "msg": message, "type": kind}


def field_problems(problems: Sequence[FieldProblem], kind: str = "value_error") -> JSONResponse:
    """One entry per field; several problems with one field are joined into one message."""
    by_field: dict[str, list[str]] = {}
    for item in problems:
        by_field.setdefault(item.field, []).append(item.message)
    return unprocessable([problem(field, "; ".join(messages), kind) for field, messages in by_field.items()])


async def job_command_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, JobCommandError)
    if isinstance(exc, Invalid):
        return field_problems(exc.problems, exc.kind)
    detail = f"{exc}{_CONFLICT_HINT}" if isinstance(exc, Conflict) else str(exc)
    return JSONResponse(status_code=_JOB_ERROR_STATUS[type(exc)], content={"detail": detail})


async def request_validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return unprocessable(exc.errors(), _secrets_in(exc.body))


def _secrets_in(body: object) -> list[str]:
    """Tokens a bad body carries: a job's own, or a schedule's (under "job")."""
    if not isinstance(body, Mapping):
        return []
    found = [body.get("access_token")]
    job = body.get("job")
    if isinstance(job, Mapping):
        found.append(job.get("access_token"))
    return [token for token in found if isinstance(token, str)]
