"""GET /metrics, open like /healthz (nginx puts a login in front of it for the outside; scrapers
inside the network read it from the api container directly).

The classic Prometheus text format, or OpenMetrics when the scraper's Accept header asks for it
(the negotiation is prometheus_client's own)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from marketing_etl.api.deps import ServicesDep
from marketing_etl.api.request_metrics import HttpMetrics
from marketing_etl.metrics import StoreCollector
from marketing_etl.models import utcnow

DESCRIPTION = (
    "Jobs by status and task type, queue depth, the oldest queued job's wait, job duration "
    "histogram by task type and status, ad platform API calls by platform and outcome, Google "
    "Sheets calls, seconds waited for rate limits, expired records deleted by retention passes; "
    "HTTP requests and their latency by route template; the API process's CPU, memory and "
    "garbage collection. OpenMetrics when the Accept header asks for application/openmetrics-text."
)


class _Scrape(Collector):
    """One exposition of several collectors (OpenMetrics allows a single `# EOF`)."""

    def __init__(self, *parts: Collector) -> None:
        self._parts = parts

    def collect(self) -> Iterator[Metric]:
        for part in self._parts:
            yield from part.collect()


def metrics_router(http_metrics: HttpMetrics) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/metrics", response_class=Response, summary="Prometheus metrics", description=DESCRIPTION)
    def metrics(request: Request, services: ServicesDep) -> Response:
        encode, content_type = choose_encoder(request.headers.get("accept", ""))
        store = StoreCollector(services.store, utcnow(), services.plugins.sources.task_types())
        return Response(encode(_Scrape(store, http_metrics.registry)), media_type=content_type)

    return router
