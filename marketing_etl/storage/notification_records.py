"""How a Notification maps to a flat record, the same on every backend: attempts as a JSON list
(times as ISO text, since a JSON column keeps no datetime type), times normalised like jobs'."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from marketing_etl.contracts.notifications import DeliveryAttempt, DeliveryState, Notification
from marketing_etl.storage.common import plain, to_utc

# Running totals of delivery attempts live with maintenance's (maintenance_totals), named
# "notify.<channel kind>.<state>": one row per pair, so a scrape reads a handful of rows.
COUNTER_PREFIX = "notify."


def counter_name(channel: str, state: DeliveryState) -> str:
    # "schedule:<id>:slack" -> "slack": per-schedule names would make one series per schedule.
    return f"{COUNTER_PREFIX}{channel.rpartition(':')[2]}.{state.value}"


def delivery_totals(stored: Mapping[str, int]) -> dict[tuple[str, DeliveryState], int]:
    totals: dict[tuple[str, DeliveryState], int] = {}
    for name, total in stored.items():
        kind, _, state = name.removeprefix(COUNTER_PREFIX).rpartition(".")
        totals[(kind, DeliveryState(state))] = total
    return totals


def attempt_record(attempt: DeliveryAttempt) -> dict[str, Any]:
    return {"at": to_utc(attempt.at).isoformat(), "ok": attempt.ok, "detail": attempt.detail}


def notification_record(notification: Notification) -> dict[str, Any]:
    return {
        "notification_id": notification.notification_id,
        "event": notification.event,
        "channel": notification.channel,
        "job_id": notification.job_id,
        "schedule_id": notification.schedule_id,
        "created_at": plain(notification.created_at),
        "payload": dict(notification.payload),
        "state": notification.state.value,
        "attempts": [attempt_record(a) for a in notification.attempts],
        "next_attempt_at": plain(notification.next_attempt_at),
    }


def notification_from_record(record: Mapping[Any, Any]) -> Notification:
    attempts = tuple(
        DeliveryAttempt(at=datetime.fromisoformat(a["at"]), ok=bool(a["ok"]), detail=str(a["detail"]))
        for a in record["attempts"]
    )
    next_at = record["next_attempt_at"]
    return Notification(
        notification_id=record["notification_id"],
        event=record["event"],
        channel=record["channel"],
        created_at=to_utc(record["created_at"]),
        payload=dict(record["payload"]),
        job_id=record.get("job_id"),
        schedule_id=record.get("schedule_id"),
        state=DeliveryState(record["state"]),
        attempts=attempts,
        next_attempt_at=None if next_at is None else to_utc(next_at),
    )
