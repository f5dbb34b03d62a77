"""`marketing-etl scheduler`: the scheduler as a process of its own (a production container).

It creates jobs, prunes expired history (schedules/pruning.py) and delivers notifications
(notifications/loop.py). With Celery it publishes jobs to the broker like the API does; without
Redis it leaves them QUEUED in the store, where
the worker pool inside `serve` picks them up. SIGTERM and Ctrl-C stop it between ticks.
Every tick that reaches the store renews a heartbeat file (heartbeat.py) for its health check.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType

from marketing_etl.contracts.executor import Executor
from marketing_etl.notifications.loop import DeliveryThread
from marketing_etl.schedules.heartbeat import DEFAULT_PATH, beat
from marketing_etl.schedules.pruning import PruneThread
from marketing_etl.schedules.scheduler import Scheduler, SchedulerThread
from marketing_etl.services import Services

log = logging.getLogger(__name__)


class StoreQueue:
    """The executor of a scheduler without Redis: the store is the queue, so there is nothing
    to hand over; a `serve` process's pool polls the store and runs the job."""

    name = "store"

    def start(self) -> None:
        """Nothing to start: no worker runs in this process."""

    def submit(self, job_id: str) -> None:
        """Nothing to send: the job is QUEUED in the store already."""

    def ping(self) -> None:
        """The store is the queue; reaching the store is checked elsewhere."""

    def shutdown(self, wait_s: float = 10.0) -> None:
        """Nothing to stop."""


class _BeatingScheduler(Scheduler):
    """A Scheduler that renews the heartbeat after each tick; a tick that could not reach the
    store raises before it, so a scheduler cut off from its store turns unhealthy too."""

    def __init__(self, services: Services, executor: Executor, heartbeat: Path) -> None:
        super().__init__(services, executor)
        self._heartbeat = heartbeat

    def tick(self) -> list[str]:
        created = super().tick()
        beat(self._heartbeat)
        return created


def run_scheduler(services: Services, executor: Executor, heartbeat: Path = DEFAULT_PATH) -> None:
    """Tick until SIGTERM or SIGINT, handing the jobs it creates to `executor` (wiring.py picks
    it: Celery's when there is a broker, StoreQueue otherwise)."""
    settings = services.settings
    executor.start()
    pruning = PruneThread(services, settings.prune_interval_s)
    scheduler = _BeatingScheduler(services, executor, heartbeat)
    loop = SchedulerThread(scheduler, settings.scheduler_interval_s, pruning)
    delivery = DeliveryThread(services.store, settings, services.vault)
    stopped = threading.Event()

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("scheduler: %s received, stopping", signal.Signals(signum).name)
        stopped.set()
        loop.stop(wait_s=0)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    loop.start()
    delivery.start()
    log.info(
        "scheduler: checking for due schedules every %.0f s, pruning expired history every %d s",
        settings.scheduler_interval_s, settings.prune_interval_s,
    )
    try:
        stopped.wait()
    finally:
        delivery.stop()
        loop.stop()
        executor.shutdown()
