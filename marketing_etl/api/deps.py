"""FastAPI dependencies: what a route handler may ask for, all taken from the running app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from marketing_etl.api.credentials import DashboardAuth
from marketing_etl.contracts.executor import Executor
from marketing_etl.services import Services
from marketing_etl.settings import Settings


@dataclass(frozen=True)
class ApiContext:
    """Built by the app's lifespan at startup and kept on `app.state.api`."""

    settings: Settings
    services: Services
    executor: Executor
    dashboard_auth: DashboardAuth


def api_context(request: Request) -> ApiContext:
    context = getattr(request.app.state, "api", None)
    if not isinstance(context, ApiContext):
        raise RuntimeError("the API has not started: its lifespan must run before it serves requests")
    return context


def get_services(request: Request) -> Services:
    return api_context(request).services


def get_executor(request: Request) -> Executor:
    return api_context(request).executor


ContextDep = Annotated[ApiContext, Depends(api_context)]
ServicesDep = Annotated[Services, Depends(get_services)]
ExecutorDep = Annotated[Executor, Depends(get_executor)]
