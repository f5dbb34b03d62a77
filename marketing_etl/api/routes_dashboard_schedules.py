"""/api/dashboard/schedules*: every /schedules route, behind the dashboard login instead of the
API key, for the schedules page and the report builder.

The routes are the public ones re-registered: the same handler functions, bodies, answers and
OpenAPI text, so the two doors cannot drift apart. Calls that change something also need the
`X-Dashboard` header (see routes_dashboard_jobs.py: a cross-site form cannot send it).
Mounted under routes_dashboard's router, which adds the prefix and the login.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute

from marketing_etl.api import routes_schedule_actions, routes_schedules
from marketing_etl.api.responses import Responses, json_answer
from marketing_etl.api.routes_dashboard_jobs import CSRF_HEADER, MISSING_HEADER, require_dashboard_header

router = APIRouter()

_MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# The public routes' 401 is about API_KEYS; the dashboard router declares its login's own.
_API_KEY_ANSWER = 401
_HEADER_MISSING: Responses = {
    403: json_answer(f"The {CSRF_HEADER} header is missing (any value will do)", {"detail": MISSING_HEADER})
}


def _mirror(route: APIRoute) -> None:
    methods = route.methods or set()
    changes = bool(methods & _MUTATING)
    responses = {code: answer for code, answer in route.responses.items() if code != _API_KEY_ANSWER}
    router.add_api_route(
        route.path,
        route.endpoint,
        methods=sorted(methods),
        response_model=route.response_model,
        status_code=route.status_code,
        summary=route.summary,
        description=route.description,
        responses={**responses, **_HEADER_MISSING} if changes else responses,
        dependencies=[Depends(require_dashboard_header)] if changes else [],
        name=f"dashboard_{route.name}",
    )


# Actions first: GET /schedules/describe must not be taken for GET /schedules/{schedule_id}.
for _source in (routes_schedule_actions.router, routes_schedules.router):
    for _route in _source.routes:
        assert isinstance(_route, APIRoute)
        _mirror(_route)
