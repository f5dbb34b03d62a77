"""The FastAPI application factory.

`create_app()` reads nothing until the app starts: its lifespan builds (or takes) the services
and the executor, starts the executor, and on shutdown stops it and closes what it built.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI

from marketing_etl import __version__
from marketing_etl.api import (
    routes_connections,
    routes_dashboard,
    routes_dashboard_create,
    routes_dashboard_ui,
    routes_files,
    routes_health,
    routes_metrics,
    routes_reports,
    routes_schedule_actions,
    routes_schedules,
    routes_templates,
)
from marketing_etl.api.body_limit import BodyLimit
from marketing_etl.api.credentials import load_dashboard_auth
from marketing_etl.api.deps import ApiContext
from marketing_etl.api.errors import add_error_handlers
from marketing_etl.api.request_metrics import HttpMetrics, RequestMetrics
from marketing_etl.contracts.executor import Executor
from marketing_etl.models import utcnow
from marketing_etl.notifications.loop import DeliveryThread
from marketing_etl.sandbox import mount_sandbox, sandboxed
from marketing_etl.sandbox.config import MOUNT_PATH as SANDBOX_PATH
from marketing_etl.sandbox.demo_schedule import ensure_demo_schedule
from marketing_etl.schedules.scheduler import start_embedded
from marketing_etl.services import Services
from marketing_etl.settings import Settings, get_settings
from marketing_etl.wiring import build_executor, build_services

TITLE = "Marketing ETL Pipeline"
DESCRIPTION = """
Queue Facebook Ads and TikTok GMV Max report jobs that are written to Google Sheets, follow
their progress, cancel and retry them.

* `/reports/*` needs an `X-API-Key` header when the server sets `API_KEYS`.
* `/api/dashboard*` needs the dashboard login (HTTP Basic).
* Times are UTC (ISO 8601, `Z`). Access tokens are never returned by any endpoint.
"""
TAGS = [
    {"name": "reports", "description": "Create, follow, cancel and retry report jobs."},
    {"name": "dashboard", "description": "Data behind the dashboard: jobs, counts, API usage, logs."},
    {"name": "schedules", "description": "Recurring reports: a cron, a time zone, a job body."},
    {"name": "connections", "description": "Saved platform tokens, their accounts, spreadsheet access."},
    {"name": "health", "description": "Whether the service can take work, and its metrics."},
]

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    executor: Executor | None = None,
) -> FastAPI:
    """The API app. Without `services` it builds them from `settings` (default: the environment)
    and closes them at shutdown; an `executor` must come with the services it was built on."""
    if executor is not None and services is None:
        raise ValueError("create_app: pass the services the executor was built with")
    resolved = settings or (services.settings if services else get_settings())
    if resolved.sandbox:
        resolved = sandboxed(resolved)
    app = FastAPI(
        title=TITLE,
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=_lifespan(resolved, services, executor),
    )
    add_error_handlers(app)
    app.add_middleware(
        BodyLimit,
        max_bytes=resolved.max_request_bytes,
        exempt_prefixes=(SANDBOX_PATH,) if resolved.sandbox else (),
    )
    http_metrics = HttpMetrics()
    # Added last, so outermost: requests the body limit refuses are counted too.
    app.add_middleware(RequestMetrics, metrics=http_metrics)
    # Before the reports router: its /reports/{job_id} would otherwise capture /reports/templates.
    app.include_router(routes_templates.router)
    app.include_router(routes_reports.router)
    app.include_router(routes_files.router)
    app.include_router(routes_connections.router)
    app.include_router(routes_connections.dashboard_router)
    app.include_router(routes_dashboard_create.router)
    app.include_router(routes_dashboard.router)
    app.include_router(routes_dashboard_ui.router)
    # Before the schedules router: its /schedules/{schedule_id} would capture /schedules/describe.
    app.include_router(routes_schedule_actions.router)
    app.include_router(routes_schedules.router)
    app.include_router(routes_health.router)
    app.include_router(routes_metrics.metrics_router(http_metrics))
    if resolved.sandbox:
        mount_sandbox(app, resolved, utcnow().date())
    return app


def _lifespan(settings: Settings, services: Services | None, executor: Executor | None) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A broken dashboard login setup should stop the start before anything is opened.
        dashboard_auth = load_dashboard_auth(settings)
        owned = services is None
        active = services or build_services(settings)
        try:
            runner = executor or build_executor(active)
            app.state.api = ApiContext(settings, active, runner, dashboard_auth)
            runner.start()
            if settings.sandbox:
                ensure_demo_schedule(active)
            scheduler = start_embedded(active, runner)
            # Every `serve` delivers notifications, whichever process enqueued them; claims keep
            # several from sending one twice.
            delivery = DeliveryThread(active.store, active.settings, active.vault)
            delivery.start()
            try:
                yield
            finally:
                delivery.stop()
                if scheduler is not None:
                    scheduler.stop()
                runner.shutdown()
        finally:
            if owned:
                active.close()

    return lifespan
