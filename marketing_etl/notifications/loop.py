"""The delivery loop: a daemon thread in `serve` and in `marketing-etl scheduler` that sends
due notifications every few seconds and checks the periodic events now and then. Any number
may run on one store: claims decide who sends what."""

from __future__ import annotations

import logging
import threading
import time

from marketing_etl.contracts.store import Store
from marketing_etl.models import utcnow
from marketing_etl.notifications.delivery import Clock, Deliverer
from marketing_etl.notifications.periodic import check_periodic
from marketing_etl.settings import Settings
from marketing_etl.tokens import TokenVault

log = logging.getLogger(__name__)

INTERVAL_S = 5.0
PERIODIC_EVERY_S = 3_600.0


class DeliveryThread:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        vault: TokenVault,
        *,
        interval_s: float = INTERVAL_S,
        clock: Clock = utcnow,
    ) -> None:
        self._store = store
        self._settings = settings
        self._deliverer = Deliverer(store, settings, vault, clock=clock)
        self._interval_s = interval_s
        self._clock = clock
        self._last_periodic = -PERIODIC_EVERY_S
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="notifications", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def run(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self._interval_s)

    def tick(self) -> None:
        try:
            if time.monotonic() - self._last_periodic >= PERIODIC_EVERY_S:
                self._last_periodic = time.monotonic()
                check_periodic(self._store, self._settings, self._clock())
            self._deliverer.deliver_due()
        except Exception:  # the store may be briefly unreachable; try again next round
            log.exception("notification delivery pass failed")

    def stop(self, wait_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=wait_s)
        self._deliverer.close()
