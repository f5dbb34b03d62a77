"""The pruning pass, every PRUNE_INTERVAL_S, beside the scheduler loop (in `serve` and in
`marketing-etl scheduler`).

It runs in a thread of its own rather than between ticks: the first pass over a large backlog
can take minutes, and due schedules must not wait for it. A pass that finds nothing costs a few
indexed queries. Several schedulers on one database take turns through the store lease that
maintenance.prune_once holds.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from marketing_etl.maintenance import prune_once
from marketing_etl.models import utcnow
from marketing_etl.services import Services

log = logging.getLogger(__name__)


class PruneThread:
    def __init__(
        self, services: Services, interval_s: float, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._services = services
        self._interval_s = interval_s
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="pruning", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                prune_once(self._services, self._clock(), stop=self._stop)
            except Exception:  # the store may be briefly unreachable; try again next interval
                log.exception("pruning pass failed")
            self._stop.wait(self._interval_s)

    def stop(self, wait_s: float = 5.0) -> None:
        """Ends a running pass after its current batch."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=wait_s)
