"""`marketing-etl worker`'s Celery app: the run_job task, and the Services each worker process
builds on first use (database engines and client sessions must not be shared across fork).

An entry point like the CLI: it wires Services (wiring.py); the executor that sends jobs here
knows only the task name (executors/celery_config.py), so neither side imports the other.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from dataclasses import replace
from typing import Any

from celery.signals import after_setup_logger, worker_ready, worker_shutdown, worker_shutting_down

from marketing_etl import runner
from marketing_etl.context import StopSignal
from marketing_etl.executors.celery_config import TASK_NAME, create_celery_app
from marketing_etl.log_redaction import install_log_redaction
from marketing_etl.log_setup import format_as_json
from marketing_etl.models import JobStatus
from marketing_etl.notifications.loop import DeliveryThread
from marketing_etl.services import Services
from marketing_etl.settings import Settings
from marketing_etl.wiring import build_services

_services_lock = threading.Lock()
_services_by_pid: dict[int, Services] = {}
# Set by install_graceful_handback in the worker's main process; pool processes inherit it.
_worker_stopping: StopSignal | None = None


def create_worker_app(settings: Settings) -> Any:
    """The Celery app for settings.broker_url with the run_job task registered (the Celery object
    is untyped, hence Any)."""
    app = create_celery_app(settings)

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


def install_notification_delivery(settings: Settings) -> None:
    """Run the notification delivery loop in the worker's main process, as `serve` and the
    scheduler do: so notifications go out however a deployment is laid out (workers with no
    scheduler, an API that is down for a while). Claims are compare-and-set, so any number of
    loops on one store never send a notification twice. Started once the pool's processes
    exist (worker_ready), with Services of its own that no pool process uses."""
    running: list[tuple[Services, DeliveryThread]] = []

    def start(**_: Any) -> None:
        services = build_services(settings)
        delivery = DeliveryThread(services.store, services.settings, services.vault)
        delivery.start()
        running.append((services, delivery))

    def stop(**_: Any) -> None:
        for services, delivery in running:
            delivery.stop()
            services.close()
        running.clear()

    worker_ready.connect(start, weak=False)
    worker_shutdown.connect(stop, weak=False)


def use_log_format(settings: Settings) -> None:
    """LOG_FORMAT=json on the console handlers Celery sets up (at --loglevel) in the worker's
    main process, which its pool processes inherit."""
    if settings.log_format == "json":

        def to_json(logger: logging.Logger, **_: Any) -> None:
            format_as_json(logger)

        after_setup_logger.connect(to_json, weak=False)


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
