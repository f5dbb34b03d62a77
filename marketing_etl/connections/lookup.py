"""A context for platform calls made outside any job: checking a token, listing its accounts.

The platforms' clients take a JobContext (for the token, settings, waits and the call record);
these calls belong to no job, so nothing is written to the job store: there is no job to hang
their log lines or API-call records on, and no cancel to poll. Lines go to the service's log
instead, with the token masked like a job's. While a lookup runs its context is the current one,
so any record made meanwhile (httpx logging a URL that carries the token) is masked too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from marketing_etl.context import JobContext, activate
from marketing_etl.contracts.store import Store
from marketing_etl.job_spec import JobSpec
from marketing_etl.log_redaction import install_log_redaction
from marketing_etl.models import ApiCall, Job
from marketing_etl.settings import Settings

log = logging.getLogger(__name__)
LOOKUP_JOB_ID = "connection-lookup"
# The job log handler forwards marketing_etl records to the current context's `log`, which logs
# them here again: this stops that loop after one turn.
_forwarding = threading.local()


class LookupContext(JobContext):
    def __init__(self, settings: Settings, store: Store, access_token: str, platform: str) -> None:
        # Never stored or validated: only the clients' reads of ctx.spec see it.
        spec = JobSpec.model_construct(
            task_type=platform,
            job_id=LOOKUP_JOB_ID,
            start_date=date.today(),
            end_date=date.today(),
            sheet_name=LOOKUP_JOB_ID,
            user_email="",
            advertiser_id=None,
        )
        job = Job.model_construct(job_id=LOOKUP_JOB_ID, spec=spec, fingerprint="", attempt=1, checkpoint={})
        super().__init__(job=job, store=store, settings=settings, access_token=access_token)

    def progress(self, percent: int | None, message: str) -> None:
        self.log(message)

    @contextmanager
    def running(self) -> Iterator[None]:
        install_log_redaction()
        with activate(self):
            yield

    def log(self, message: str, level: str = "INFO") -> None:
        if getattr(_forwarding, "active", False):
            return
        _forwarding.active = True
        try:
            log.log(logging.getLevelName(level), "%s", self.redact(message))
        finally:
            _forwarding.active = False

    def warn(self, message: str) -> None:
        self.log(message, "WARNING")

    def record_api_call(self, call: ApiCall) -> None:
        return None

    def save_checkpoint(self, **values: Any) -> None:
        return None

    def check_cancel(self, *, force: bool = False) -> None:
        return None

    def wait(self, seconds: float) -> None:
        time.sleep(seconds)
