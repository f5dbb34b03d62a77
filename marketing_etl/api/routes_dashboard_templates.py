"""GET /api/dashboard/templates: the report templates for the dashboard's report builder.

The same answer as GET /reports/templates, behind the dashboard login instead of an API key,
which the browser does not have. Mounted under routes_dashboard's router (prefix and login).
"""

from __future__ import annotations

from fastapi import APIRouter

from marketing_etl.api.deps import ServicesDep
from marketing_etl.api.routes_templates import TemplatesResponse, list_templates

router = APIRouter()


@router.get(
    "/templates",
    response_model=TemplatesResponse,
    summary="Report templates and their fields, for the report builder",
    description="What GET /reports/templates answers (see there), behind the dashboard login.",
)
def dashboard_templates(services: ServicesDep) -> TemplatesResponse:
    return list_templates(services)
