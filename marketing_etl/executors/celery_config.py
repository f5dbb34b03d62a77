"""The Celery app's configuration (built from Settings by a factory, never at import).

Both sides use it: the executor in the API process sends jobs by task name (TASK_NAME) through
an app with no tasks, and the worker (marketing_etl/celery_worker.py) registers the task on its
own app. Only a job_id travels through the broker. celery_app.py holds the one app built at
import, for Celery's own command line and Flower.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from marketing_etl.settings import Settings

TASK_NAME = "marketing_etl.run_job"
# Our own queue, so workers of another Celery app on the same Redis (the original system's
# `celery` queue) never take our messages, nor we theirs.
QUEUE_NAME = "marketing_etl"
# A message not acknowledged within the visibility timeout is delivered again; it must outlive
# the longest possible run, or a running job's message would be handed to a second worker.
_VISIBILITY_MARGIN_S = 600


def create_celery_app(settings: Settings) -> Any:
    """A Celery app for settings.broker_url, without tasks (the Celery object is untyped, hence
    Any)."""
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
    return app


def _soft_time_limit_s(settings: Settings) -> int:
    """The runner enforces JOB_SOFT_TIME_LIMIT_S itself, between steps, with a message a marketer
    understands. Celery's soft limit comes a little later, only to interrupt a call stuck in I/O."""
    grace_s = min(60, (settings.job_time_limit_s - settings.job_soft_time_limit_s) // 2)
    return settings.job_soft_time_limit_s + grace_s
