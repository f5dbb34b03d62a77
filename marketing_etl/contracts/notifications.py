"""Notifications: an outbox of messages to channels (webhook, Slack, e-mail) about events
(a job failed, totals differ, a schedule failed twice, a connection expiring, the Graph API
version ending).

Reached from any Store as `store.notifications`. A notification is enqueued after the event is
recorded (never inside a job's own work), then delivered by whichever process's delivery loop
claims it; claiming is a compare-and-set on next_attempt_at, so one process sends each attempt.
The id is derived from the event, its subject and the channel, so one event is sent once per
channel however many processes notice it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry


@dataclass(frozen=True)
class DeliveryAttempt:
    at: datetime
    ok: bool
    detail: str  # what the channel answered ("HTTP 200", "250 OK", "connection refused")


@dataclass(frozen=True)
class Notification:
    notification_id: str
    event: str
    channel: str  # the channel's name, as configured (settings or a schedule's own)
    created_at: datetime
    payload: dict[str, Any]  # what is sent: ids, status, message, link; never a secret
    job_id: str | None = None
    schedule_id: str | None = None
    state: DeliveryState = DeliveryState.PENDING
    attempts: tuple[DeliveryAttempt, ...] = ()
    next_attempt_at: datetime | None = None  # None once SENT or FAILED


class NotificationStore(Protocol):
    def enqueue(self, notification: Notification) -> bool:
        """False (and no change) if the notification_id exists."""

    def due(self, now: datetime, limit: int) -> list[Notification]:
        """PENDING notifications whose next_attempt_at is at or before `now`, oldest first."""

    def claim(self, notification_id: str, expected_next: datetime, lease_until: datetime) -> bool:
        """Move next_attempt_at from `expected_next` to `lease_until`; False if another
        process claimed it first."""

    def record_attempt(
        self,
        notification_id: str,
        attempt: DeliveryAttempt,
        state: DeliveryState,
        next_attempt_at: datetime | None,
    ) -> bool:
        """Append the attempt and set the state; False if the notification is unknown."""

    def for_job(self, job_id: str) -> list[Notification]:
        """The job's notifications, oldest first."""

    def latest_by_channel(self) -> dict[str, Notification]:
        """Per channel, its newest SENT or FAILED notification (a broken channel's is FAILED)."""

    def delete_for_jobs(self, job_ids: list[str]) -> int:
        """Drop the notifications of pruned jobs; returns how many."""

    def delivery_totals(self) -> dict[tuple[str, DeliveryState], int]:
        """Delivery attempts ever recorded, by channel kind ("webhook", "slack", "email"; a
        schedule's own channels count under their kind) and the state each left: PENDING for a
        failed attempt to be retried. Running counters, so reading them costs the same however
        long the history, and pruning old notifications does not lower them."""
