"""The in-process executor: a fixed pool of worker threads inside `serve`, fed by the store.

The store is the queue: submit() only wakes a worker, and idle workers poll the store, so jobs
queued before a restart or by another process (the CLI, a second server) still run. Claiming
is atomic in the store, so several workers or processes never run one job twice.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

from marketing_etl import runner
from marketing_etl.executors.recovery import RecoverySweeper
from marketing_etl.log_redaction import install_log_redaction
from marketing_etl.services import Services

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 1.0
# Each look at the queue fetches a few candidates, since other workers may claim the first ones.
_CANDIDATES_PER_WORKER = 2


class LocalExecutor:
    name = "local"

    def __init__(self, services: Services, *, poll_interval_s: float = POLL_INTERVAL_S) -> None:
        self._services = services
        self._poll_interval_s = poll_interval_s
        self._size = services.settings.max_concurrent_jobs
        self._wake = threading.Condition()
        self._pending_wakeups = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sweeper = RecoverySweeper(services, self)

    def start(self) -> None:
        if self._threads:
            return
        install_log_redaction()
        for index in range(self._size):
            thread = threading.Thread(target=self._work, name=f"job-worker-{index + 1}", daemon=True)
            self._threads.append(thread)
            thread.start()
        self._sweeper.start()
        log.info("local executor started with %d worker threads", self._size)

    def submit(self, job_id: str) -> None:
        with self._wake:
            self._pending_wakeups += 1
            self._wake.notify()

    def ping(self) -> None:
        if self._stopping.is_set():
            raise RuntimeError("the local executor has been shut down")
        if not self._threads:
            raise RuntimeError("the local executor has not been started")
        if not any(thread.is_alive() for thread in self._threads):
            raise RuntimeError("the local executor has no live worker threads")

    def shutdown(self, wait_s: float = 10.0) -> None:
        """Stop taking work; running jobs go back to the queue at their next cancel check (within
        seconds), checkpoint kept. Waits up to wait_s for that; a job stuck longer keeps its lease
        until it expires, and the sweeper of the next start re-queues it."""
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        self._sweeper.stop()
        deadline = time.monotonic() + wait_s
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        busy = [thread.name for thread in self._threads if thread.is_alive()]
        if busy:
            log.warning("shutdown: %s still running a job after %.0f s", ", ".join(busy), wait_s)

    # worker threads ------------------------------------------------------------------------
    def _work(self) -> None:
        own = self._services.runner_deps(worker=threading.current_thread().name)
        deps = replace(own, stopping=self._stopping)
        while not self._stopping.is_set():
            try:
                ran = self._run_next(deps)
            except Exception:  # e.g. the store went away; never let that end the thread
                log.exception("worker %s failed to take the next job", threading.current_thread().name)
                ran = False
            if not ran:
                self._idle()

    def _run_next(self, deps: runner.RunnerDeps) -> bool:
        """Run the oldest queued job this thread can claim; False if there was none."""
        limit = self._size * _CANDIDATES_PER_WORKER
        for job_id in self._services.store.queued_job_ids(limit):
            if self._stopping.is_set():
                return False
            try:
                status = runner.run_job(job_id, deps)
            except Exception:
                # The runner records job failures itself; reaching here means the store failed.
                # A claimed job's lease then expires and the sweeper takes care of it; pausing
                # keeps a store outage from turning into a busy loop.
                log.exception("job %s: the runner failed", job_id)
                return False
            if status is not None:
                return True
        return False

    def _idle(self) -> None:
        with self._wake:
            if self._pending_wakeups == 0 and not self._stopping.is_set():
                self._wake.wait(timeout=self._poll_interval_s)
            self._pending_wakeups = max(0, self._pending_wakeups - 1)
