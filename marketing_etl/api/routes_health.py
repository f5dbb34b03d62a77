"""/healthz: can this process reach its store and hand work to its executor?

Open without a login (load balancers call it), so a failure names what is down but not why;
the reason goes to the server log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from marketing_etl.api.deps import ContextDep
from marketing_etl.api.schemas import HealthResponse

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    response_model=HealthResponse,
    summary="Liveness and readiness",
    description=(
        '200 `{"status":"ok","store":"ok","executor":"local"}` (or `"celery"`) when the database '
        "answers and the executor accepts work; 503 with `down` in the part that failed."
    ),
    responses={503: {"description": "The store or the executor is down", "model": HealthResponse}},
)
def healthz(context: ContextDep) -> HealthResponse | JSONResponse:
    executor = context.executor
    store_ok = _alive(context.services.store.ping, "store")
    executor_ok = _alive(executor.ping, f"executor ({executor.name})")
    report = HealthResponse(
        status="ok" if store_ok and executor_ok else "down",
        store="ok" if store_ok else "down",
        executor=executor.name if executor_ok else f"{executor.name}: down",
    )
    if report.status == "ok":
        return report
    return JSONResponse(status_code=503, content=report.model_dump())


def _alive(ping: Callable[[], None], what: str) -> bool:
    try:
        ping()
    except Exception:
        log.warning("health check: %s is down", what, exc_info=True)
        return False
    return True
