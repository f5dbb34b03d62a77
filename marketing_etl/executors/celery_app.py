"""The Celery app (built from Settings by a factory, never at import) and its one task.

Only a job_id travels through the broker: the worker reads the job from the store and the
token from the vault. Each worker process builds its own Services on first use, because
database engines and client sessions must not be shared across fork.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from dataclasses import replace
from typing import Any

from celery import Celery
from celery.signals import worker_shutting_down

from marketing_etl import runner
from marketing_etl.context import StopSignal
from marketing_etl.log_redaction import install_log_redaction
from marketing_etl.models import JobStatus
from marketing_etl.services import Services, build_services
from marketing_etl.settings import Settings

TASK_NAME = "marketing_etl.run_job"
# Our own queue, so workers of another Celery app on the same Redis (the original system's
# `celery` queue) never take our messages, nor we theirs.
QUEUE_NAME = "marketing_etl"
# A message not acknowledged within the visibility timeout is delivered again; it must outlive
# the longest possible run, or a running job's message would be handed to a second worker.
_VISIBILITY_MARGIN_S = 600

_services_lock = threading.Lock()
_services_by_pid: dict[int, Services] = {}
# Set by install_graceful_handback in the worker's main process; pool processes inherit it.
_worker_stopping: StopSignal | None = None


def create_celery_app(settings: Settings) -> Any:
    """A Celery app for settings.broker_url with the run_job task registered (the Celery object
    is untyped, hence Any)."""
    broker_url = settings.broker_url
    if broker_url is None:
        raise ValueError("Celery needs a broker: set REDIS_URL (or REDIS_HOST/REDIS_PORT/REDIS_PASSWORD)")
    app = Celery("marketing_etl", broker=broker_url, backend=broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_default_queue=QUEUE_NAME,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_concurrency=settings.max_concurrent_jobs,
        task_soft_time_limit=_soft_time_limit_s(settings),
        task_time_limit=settings.job_time_limit_s,
        broker_transport_options={
            "visibility_timeout": settings.job_time_limit_s + _VISIBILITY_MARGIN_S,
            "health_check_interval": 30,
        },
        broker_connection_retry_on_startup=True,
        # A broker blip must not abort running jobs: their redelivered messages find the job
        # already claimed in the store and do nothing.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        # The store holds each job's outcome; nobody waits on Celery results, and not asking
        # for them keeps the API from subscribing to the result backend on every submit.
        task_ignore_result=True,
    )

    def run_job_task(job_id: str) -> str | None:
        deps = replace(services_for_this_process(settings).runner_deps("celery"), stopping=_worker_stopping)
        status = runner.run_job(job_id, deps)
        if status is JobStatus.QUEUED:
            # Handed back by a stopping worker: this message is acknowledged when the task
            # returns, so the job needs a new one for the next worker to find it.
            app.send_task(TASK_NAME, args=[job_id], ignore_result=True)
        return None if status is None else status.value

    app.task(name=TASK_NAME)(run_job_task)
    return app


def install_graceful_handback() -> None:
    """Make a warm shutdown (SIGTERM, `docker compose stop`) hand running jobs back to the queue
    instead of waiting for them, or losing them to the SIGKILL that follows the grace period.
    Call in the worker's main process before the pool starts: the pool processes inherit the
    event, and Celery signals the shutdown in the main process only."""
    global _worker_stopping
    event = multiprocessing.Event()
    _worker_stopping = event

    def on_shutdown(**_: Any) -> None:
        event.set()

    worker_shutting_down.connect(on_shutdown, weak=False)


def _soft_time_limit_s(settings: Settings) -> int:
    """The runner enforces JOB_SOFT_TIME_LIMIT_S itself, between steps, with a message a marketer
    understands. Celery's soft limit comes a little later, only to interrupt a call stuck in I/O."""
    grace_s = min(60, (settings.job_time_limit_s - settings.job_soft_time_limit_s) // 2)
    return settings.job_soft_time_limit_s + grace_s


def services_for_this_process(settings: Settings) -> Services:
    """Services built in this process; a forked child never reuses its parent's."""
    pid = os.getpid()
    with _services_lock:
        services = _services_by_pid.get(pid)
        if services is None:
            # Entries from other pids were inherited through fork; closing them here could
            # close connections the parent still uses, so they are only dropped.
            _services_by_pid.clear()
            install_log_redaction()
            services = build_services(settings)
            _services_by_pid[pid] = services
        return services
