"""Delivering due notifications: claim each (a compare-and-set, so of several processes one
sends it), send it, record the attempt, and set the next one by the back-off, or give up.

A channel's refusal that another try cannot fix (a 4xx other than 429, a 5xx SMTP answer) ends
the notification at once; no answer, a 5xx or a 429 is tried again after 30 s, 2 min, 10 min
and 1 h, then it is FAILED, which the dashboard shows as a broken channel.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx

from marketing_etl.contracts.notifications import DeliveryAttempt, DeliveryState, Notification
from marketing_etl.contracts.store import Store
from marketing_etl.http.client import plain_client
from marketing_etl.models import utcnow
from marketing_etl.notifications.channels import resolve
from marketing_etl.notifications.senders import HTTP_TIMEOUT, Outcome, send
from marketing_etl.settings import Settings
from marketing_etl.tokens import TokenVault

log = logging.getLogger(__name__)

BACKOFF_S = (30, 120, 600, 3_600)  # before the 2nd, 3rd, 4th and 5th (last) attempt
# A claim holds a notification this long: a process that dies while sending leaves it due
# again afterwards (worst case a second send, which the receiver sees by its delivery id).
CLAIM_LEASE_S = 120
BATCH = 50

Clock = Callable[[], datetime]


class Deliverer:
    def __init__(
        self,
        store: Store,
        settings: Settings,
        vault: TokenVault,
        *,
        clock: Clock = utcnow,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._store = store
        self._settings = settings
        self._vault = vault
        self._clock = clock
        self._http = plain_client(timeout=HTTP_TIMEOUT, transport=transport)

    def close(self) -> None:
        self._http.close()

    def deliver_due(self) -> int:
        """One pass over what is due now; returns how many attempts this process made."""
        now = self._clock()
        made = 0
        for notification in self._store.notifications.due(now, BATCH):
            assert notification.next_attempt_at is not None  # due ones are PENDING
            lease_until = now + timedelta(seconds=CLAIM_LEASE_S)
            nid, expected = notification.notification_id, notification.next_attempt_at
            if self._store.notifications.claim(nid, expected, lease_until):
                self._attempt(notification)
                made += 1
        return made

    def _attempt(self, notification: Notification) -> None:
        channel = resolve(self._store, self._settings, self._vault, notification.channel)
        if channel is None:
            outcome = Outcome(False, "channel no longer configured")
        else:
            outcome = send(channel, notification.payload, self._http, self._settings)
        now = self._clock()
        state, next_at = self._next(notification, outcome, now)
        attempt = DeliveryAttempt(at=now, ok=outcome.ok, detail=outcome.detail)
        self._store.notifications.record_attempt(notification.notification_id, attempt, state, next_at)
        if not outcome.ok:
            log.warning(
                "notification %s to channel %s: attempt %d failed (%s)%s",
                notification.notification_id, notification.channel, len(notification.attempts) + 1,
                outcome.detail, "; retrying later" if state is DeliveryState.PENDING else "; giving up",
            )

    def _next(
        self, notification: Notification, outcome: Outcome, now: datetime
    ) -> tuple[DeliveryState, datetime | None]:
        if outcome.ok:
            return DeliveryState.SENT, None
        made = len(notification.attempts) + 1
        if not outcome.retry or made > len(BACKOFF_S):
            return DeliveryState.FAILED, None
        return DeliveryState.PENDING, now + timedelta(seconds=BACKOFF_S[made - 1])
