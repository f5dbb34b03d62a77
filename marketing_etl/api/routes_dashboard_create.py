"""POST /api/dashboard/jobs: the job builder creates a job behind the dashboard login.

The very handler of POST /reports/create-job (same body, same 200/409/422/503 answers and the
same documentation), so the browser needs no API key; like the dashboard's other actions it
needs the X-Dashboard header, which a cross-site form cannot send.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute

from marketing_etl.api import routes_reports
from marketing_etl.api.auth import require_dashboard_user
from marketing_etl.api.responses import json_answer
from marketing_etl.api.routes_dashboard_jobs import CSRF_HEADER, MISSING_HEADER, require_dashboard_header

_CREATE = next(
    route
    for route in routes_reports.router.routes
    if isinstance(route, APIRoute) and route.path == "/reports/create-job"
)

router = APIRouter(
    prefix="/api/dashboard", tags=["dashboard"], dependencies=[Depends(require_dashboard_user)]
)
router.add_api_route(
    "/jobs",
    routes_reports.create_report_job,
    methods=["POST"],
    response_model=_CREATE.response_model,
    summary="Queue a report job from the dashboard (as POST /reports/create-job)",
    description=f"{_CREATE.description}\n\nNeeds the X-Dashboard header (any value).",
    responses={
        **{code: answer for code, answer in _CREATE.responses.items() if code != 401},
        401: {"description": "Missing or wrong dashboard login (HTTP Basic)"},
        403: json_answer(
            f"The {CSRF_HEADER} header is missing (any value will do)", {"detail": MISSING_HEADER}
        ),
    },
    dependencies=[Depends(require_dashboard_header)],
)
