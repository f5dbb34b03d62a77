"""The scheduler loop: every few seconds, claim each due schedule's firing and create its job.

A schedule that was due several times while no scheduler ran fires once, for its latest missed
slot, and then waits for its next slot after now. Claims are compare-and-set in the store, so
any number of schedulers can run against one database without firing a slot twice.
The clock is injected so tests can walk through time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial

from marketing_etl.contracts.executor import Executor
from marketing_etl.models import utcnow
from marketing_etl.schedules.cron import latest_slot, next_slot
from marketing_etl.schedules.firing import fire
from marketing_etl.schedules.model import Schedule
from marketing_etl.schedules.pruning import PruneThread
from marketing_etl.services import Services

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class Scheduler:
    def __init__(self, services: Services, executor: Executor, *, clock: Clock = utcnow) -> None:
        self._services = services
        self._executor = executor
        self._clock = clock

    def tick(self) -> list[str]:
        """Fire what is due now, then retry firings claimed earlier that have no job yet.
        Returns the ids of the jobs this tick created."""
        now = self._clock()
        store = self._services.store.schedules
        created: list[str | None] = []
        for schedule in store.due(now):
            created.append(self._guarded(schedule, partial(self._claim_and_fire, schedule, now)))
        # After the due ones: a new claim replaces an older pending slot, which then never runs.
        for schedule in store.pending():
            created.append(self._guarded(schedule, partial(self._retry, schedule, now)))
        return [job_id for job_id in created if job_id]

    def _guarded(self, schedule: Schedule, action: Callable[[], str | None]) -> str | None:
        # One schedule's failure (a store hiccup, a broken plugin) must not hold back the others.
        try:
            return action()
        except Exception:
            log.exception("schedule %s: firing failed; retried next tick", schedule.schedule_id)
            return None

    def _retry(self, schedule: Schedule, now: datetime) -> str | None:
        assert schedule.last_slot_at is not None
        return fire(self._services, self._executor, schedule, schedule.last_slot_at, now)

    def _claim_and_fire(self, schedule: Schedule, now: datetime) -> str | None:
        assert schedule.next_run_at is not None
        slot = latest_slot(schedule.cron, schedule.zone, now)
        following = next_slot(schedule.cron, schedule.zone, now)
        store = self._services.store.schedules
        if not store.claim(schedule.schedule_id, schedule.next_run_at, slot, following):
            return None  # another scheduler took it, or the schedule was just edited
        return fire(self._services, self._executor, schedule, slot, now)


class SchedulerThread:
    """Runs Scheduler.tick every `interval_s` in a daemon thread (inside `serve`, or as the
    main loop of `marketing-etl scheduler`), and the pruning passes beside it."""

    def __init__(self, scheduler: Scheduler, interval_s: float, pruning: PruneThread | None = None) -> None:
        self._scheduler = scheduler
        self._interval_s = interval_s
        self._pruning = pruning
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()
        if self._pruning is not None:
            self._pruning.start()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self._scheduler.tick()
            except Exception:  # the store may be briefly unreachable; try again next round
                log.exception("scheduler tick failed")
            self._stop.wait(self._interval_s)

    def stop(self, wait_s: float = 5.0) -> None:
        self._stop.set()
        if self._pruning is not None:
            self._pruning.stop(wait_s)
        if self._thread.is_alive():
            self._thread.join(timeout=wait_s)


def start_embedded(services: Services, executor: Executor) -> SchedulerThread | None:
    """The scheduler inside `serve`, unless EMBEDDED_SCHEDULER=false (a separate
    `marketing-etl scheduler` runs instead)."""
    if not services.settings.embedded_scheduler:
        return None
    settings = services.settings
    pruning = PruneThread(services, settings.prune_interval_s)
    thread = SchedulerThread(Scheduler(services, executor), settings.scheduler_interval_s, pruning)
    thread.start()
    return thread
