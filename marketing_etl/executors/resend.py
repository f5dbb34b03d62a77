"""Queued jobs whose broker message may be lost: publish them again.

The store is the truth about which jobs wait; the broker only carries job ids. A Redis that
keeps nothing on disk and restarts, a flushed queue, or a process that died between storing a
job and publishing it leaves QUEUED jobs that no worker will ever hear of. The sweeper therefore
re-submits every job that has waited QUEUE_RESEND_AFTER_S without being claimed.

A duplicate message is harmless (the claim is compare-and-set: the second delivery finds the
job no longer QUEUED and does nothing) but not free, and a long queue that busy workers are
working through legitimately holds many jobs older than the threshold. So the pause before the
next re-send of a job grows with its time in the queue (it doubles: after 1, 2, 4, 8 periods),
up to MAX_BACKOFF_PERIODS periods: a job waiting an hour at the defaults is re-sent about six
times, not thirty, and a message lost late in a long wait is still replaced within that cap.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from marketing_etl.contracts.executor import Executor
from marketing_etl.models import Job
from marketing_etl.services import Services

# Bounds one sweep's burst of messages; the rest are found by the next sweep.
MAX_RESENDS_PER_SWEEP = 100
MAX_BACKOFF_PERIODS = 8


def resend_waiting_jobs(services: Services, executor: Executor, now: datetime) -> list[str]:
    """Submit again every QUEUED job that is due for a re-send; returns their job ids."""
    after_s = services.settings.queue_resend_after_s
    queue = services.store.queue
    due = queue.due_for_resend(now - timedelta(seconds=after_s), now, MAX_RESENDS_PER_SWEEP)
    resent: list[str] = []
    for job in due:
        # Marking first: of several sweepers (one per API process) only one publishes the job.
        if queue.defer_resend(job.job_id, job.next_resend_at, now + resend_pause(job, now, after_s)):
            executor.submit(job.job_id)
            resent.append(job.job_id)
    return resent


def resend_pause(job: Job, now: datetime, after_s: int) -> timedelta:
    """How long after this re-send the next one may follow: as long as the job has waited so
    far, between one and MAX_BACKOFF_PERIODS periods."""
    waited_s = (now - job.queued_at).total_seconds()
    return timedelta(seconds=min(max(waited_s, after_s), after_s * MAX_BACKOFF_PERIODS))
