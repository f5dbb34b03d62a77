"""/healthz: can this process reach its store and hand work to its executor, and is the queue
draining?

Open without a login (load balancers call it), so a failure names what is down but not why;
the reason goes to the server log.

A stalled queue is reported in `queue` but keeps the answer 200: this process still serves the
API and the dashboard, which is what Docker's health check (and nginx's dependency on it) asks.
Restarting the API would not make a missing worker appear; marking it unhealthy would only keep
nginx, and so the dashboard an operator needs to look into it, from starting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from marketing_etl.api.deps import ContextDep
from marketing_etl.api.schemas import HealthResponse, QueueHealth
from marketing_etl.contracts.store import Store
from marketing_etl.models import utcnow

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    response_model=HealthResponse,
    summary="Liveness and readiness",
    description=(
        '200 `{"status":"ok","store":"ok","executor":"local","queue":{…}}` (or `"celery"`) when the '
        "database answers and the executor accepts work; 503 with `down` in the part that failed. "
        "`queue` gives the number of waiting jobs, the oldest one's wait in seconds and "
        "`stalled: true` past QUEUE_STALLED_AFTER_S; a stalled queue does not change the status."
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
        queue=_queue(context.services.store, context.settings.queue_stalled_after_s) if store_ok else None,
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


def _queue(store: Store, stalled_after_s: int) -> QueueHealth:
    summary = store.metrics.queue_summary()
    oldest = summary.oldest_queued_at
    age_s = 0.0 if oldest is None else round(max(0.0, (utcnow() - oldest).total_seconds()), 1)
    stalled = age_s > stalled_after_s
    if summary.depth == 0:
        message = "No jobs waiting."
    elif stalled:
        message = (
            f"Not draining: {summary.depth} jobs waiting, the oldest for {age_s:.0f} s (over "
            f"QUEUE_STALLED_AFTER_S, {stalled_after_s} s). Check that workers are running and "
            "reach the same broker and database."
        )
    else:
        message = f"{summary.depth} jobs waiting, the oldest for {age_s:.0f} s."
    return QueueHealth(depth=summary.depth, oldest_queued_age_s=age_s, stalled=stalled, message=message)
