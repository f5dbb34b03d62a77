"""GET /metrics: Prometheus text format, open like /healthz (nginx puts a login in front of it
for the outside; scrapers inside the network read it from the api container directly)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from marketing_etl.api.deps import ServicesDep
from marketing_etl.metrics import CONTENT_TYPE, render
from marketing_etl.models import utcnow

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    summary="Prometheus metrics",
    description=(
        "Jobs by status and task type, queue depth, the oldest queued job's wait, job duration "
        "histogram, ad platform API calls by platform and outcome, Google Sheets calls, seconds "
        "waited for rate limits, expired records deleted by retention passes."
    ),
)
def metrics(services: ServicesDep) -> PlainTextResponse:
    body = render(services.store, utcnow(), services.plugins.sources.task_types())
    return PlainTextResponse(body, media_type=CONTENT_TYPE)
