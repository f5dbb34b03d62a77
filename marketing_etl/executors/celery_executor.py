"""The production executor: jobs go to Celery workers through Redis.

The API process only publishes job ids (and watches for jobs whose worker died); the workers
(`marketing-etl worker`) run them. If the broker is down when a job is submitted, the job stays
QUEUED in the store and is published again on the next sweep; a job whose message the broker
lost afterwards is published again once it has waited QUEUE_RESEND_AFTER_S (resend.py).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import redis
from kombu.utils.url import maybe_sanitize_url

from marketing_etl.executors.celery_config import TASK_NAME, create_celery_app
from marketing_etl.executors.recovery import RecoverySweeper
from marketing_etl.models import JobStatus
from marketing_etl.services import Services

log = logging.getLogger(__name__)

PING_TIMEOUT_S = 2.0


class CeleryExecutor:
    name = "celery"

    def __init__(self, services: Services, app: Any = None) -> None:
        broker_url = services.settings.broker_url
        if broker_url is None:
            raise ValueError("the Celery executor needs REDIS_URL (or REDIS_HOST) to reach the broker")
        self._services = services
        self._broker_url = broker_url
        self._app = app if app is not None else create_celery_app(services.settings)
        self._unsent: list[str] = []
        self._unsent_lock = threading.Lock()
        self._sweeper = RecoverySweeper(services, self, housekeeping=self._resend_unsent)

    @property
    def broker_display_url(self) -> str:
        return str(maybe_sanitize_url(self._broker_url))

    def start(self) -> None:
        self._sweeper.start()

    def submit(self, job_id: str) -> None:
        try:
            self._app.send_task(TASK_NAME, args=[job_id], ignore_result=True)
        except Exception as exc:
            # The job is safe in the store as QUEUED; the next sweep publishes it again.
            log.error("could not publish job %s to %s (%s); will retry", job_id, self.broker_display_url, exc)
            with self._unsent_lock:
                if job_id not in self._unsent:
                    self._unsent.append(job_id)

    def ping(self) -> None:
        client = redis.Redis.from_url(
            self._broker_url, socket_connect_timeout=PING_TIMEOUT_S, socket_timeout=PING_TIMEOUT_S
        )
        try:
            client.ping()
        except redis.RedisError as exc:
            raise RuntimeError(
                f"the Redis broker at {self.broker_display_url} is unreachable ({exc}); "
                "start Redis or fix REDIS_URL / REDIS_HOST"
            ) from exc
        finally:
            client.close()

    def shutdown(self, wait_s: float = 10.0) -> None:
        self._sweeper.stop(wait_s)
        self._app.close()

    def _resend_unsent(self) -> None:
        with self._unsent_lock:
            pending, self._unsent = self._unsent, []
        for job_id in pending:
            job = self._services.store.get_job(job_id)
            if job is not None and job.status is JobStatus.QUEUED:
                self.submit(job_id)
