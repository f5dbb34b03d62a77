"""A real `marketing-etl worker` delivers notifications itself: with no `serve` and no scheduler
on the store, a job the worker ran and that failed still reaches the webhook receiver."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketing_etl import jobs
from marketing_etl.contracts.notifications import DeliveryState
from marketing_etl.executors.celery_executor import CeleryExecutor
from marketing_etl.models import JobStatus
from marketing_etl.wiring import build_services
from tests.executors.support import (
    Proc,
    job_request,
    make_settings,
    subprocess_env,
    wait_for_status,
    wait_until,
)
from tests.notifications.receivers import HttpReceiver, http_receiver
from tests.notifications.support import WEBHOOK_SECRET
from tests.services import redis_database

pytestmark = pytest.mark.redis


def received(http: HttpReceiver) -> int:
    return len(http.on("/hook"))


def test_a_worker_alone_sends_the_failed_jobs_notification(tmp_path: Path) -> None:
    database_url = f"sqlite:///{(tmp_path / 'jobs.db').as_posix()}"
    notify = {"notify_webhook_url": "", "notify_webhook_secret": WEBHOOK_SECRET}
    with http_receiver() as http, redis_database() as broker:
        notify["notify_webhook_url"] = f"{http.url}/hook"
        env = subprocess_env(
            tmp_path, REDIS_URL=broker, DATABASE_URL=database_url,
            **{name.upper(): value for name, value in notify.items()},
        )
        settings = make_settings(
            tmp_path, executor="celery", redis_url=broker, database_url=database_url, **notify
        )
        services = build_services(settings)
        worker = Proc(["worker", "--concurrency", "1"], env, tmp_path, tmp_path / "worker.log")
        executor = CeleryExecutor(services)  # publishes only: this process runs no delivery loop
        try:
            executor.start()
            jobs.create_job(services, executor, job_request("refused-1", "rows=2;fail=user"))
            job = wait_for_status(services.store, "refused-1", [JobStatus.SUCCESS, JobStatus.FAILED], 30)
            wait_until(lambda: received(http), 20, "the worker's delivery loop to send the notification")
            worker.check_alive()
            [notification] = services.store.notifications.for_job("refused-1")
        finally:
            executor.shutdown(wait_s=5)
            worker.stop(wait_s=15)
            services.close()
    assert job.status is JobStatus.FAILED
    [hook] = http.on("/hook")
    assert hook.json()["event"] == "job_failed" and hook.json()["job_id"] == "refused-1"
    assert notification.state is DeliveryState.SENT
    assert [a.detail for a in notification.attempts] == ["HTTP 200"]
    assert WEBHOOK_SECRET not in worker.output()
