"""/api/dashboard/notifications/channels and /api/dashboard/jobs/{job_id}/notifications: what
was sent about a job (each attempt and the channel's answer) and which channels are broken.

Mounted under routes_dashboard's router, which adds the prefix and the login. Channel names and
answers only: a notification never holds a secret, and no channel's URL is shown.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from marketing_etl.api.deps import ServicesDep
from marketing_etl.api.schemas import UtcTime
from marketing_etl.contracts.notifications import DeliveryState, Notification

router = APIRouter()


class AttemptOut(BaseModel):
    at: UtcTime
    ok: bool
    detail: str = Field(description='what the channel answered ("HTTP 200", "no answer (ConnectError)")')


class NotificationOut(BaseModel):
    notification_id: str
    event: str = Field(
        description="job_failed, totals_mismatch, schedule_failed_twice, connection_expiring or "
        "api_version_ending"
    )
    channel: str = Field(description='"webhook", "slack", "email", or a schedule\'s ("schedule:<id>:slack")')
    state: DeliveryState
    created_at: UtcTime
    next_attempt_at: UtcTime | None = Field(description="the next try while pending")
    title: str
    attempts: list[AttemptOut]


class JobNotifications(BaseModel):
    job_id: str
    notifications: list[NotificationOut]


class ChannelHealth(BaseModel):
    channel: str
    broken: bool = Field(description="its latest finished delivery FAILED after every retry")
    last_state: DeliveryState
    last_event: str
    last_at: UtcTime | None = Field(description="when its latest delivery was last tried")
    last_detail: str = Field(description="the channel's answer to that try")


class ChannelsOut(BaseModel):
    channels: list[ChannelHealth]
    broken: list[str] = Field(description="the names of the broken channels, for the overview's banner")


def notification_out(notification: Notification) -> NotificationOut:
    return NotificationOut(
        notification_id=notification.notification_id,
        event=notification.event,
        channel=notification.channel,
        state=notification.state,
        created_at=notification.created_at,
        next_attempt_at=notification.next_attempt_at,
        title=str(notification.payload.get("title", notification.event)),
        attempts=[AttemptOut(at=a.at, ok=a.ok, detail=a.detail) for a in notification.attempts],
    )


@router.get(
    "/jobs/{job_id}/notifications",
    response_model=JobNotifications,
    summary="The notifications about a job",
    description="Each notification sent (or being sent) about the job, per channel, with every "
    "delivery attempt and what the channel answered.",
    responses={404: {"description": "No job has this id"}},
)
def job_notifications(job_id: str, services: ServicesDep) -> JobNotifications:
    if services.store.get_job(job_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No job with job_id '{job_id}'.")
    found = services.store.notifications.for_job(job_id)
    return JobNotifications(job_id=job_id, notifications=[notification_out(n) for n in found])


@router.get(
    "/notifications/channels",
    response_model=ChannelsOut,
    summary="Notification channels and whether they work",
    description="Per channel, its latest finished delivery; a channel whose latest delivery FAILED "
    "after every retry is broken (the overview shows a banner until one gets through).",
)
def notification_channels(services: ServicesDep) -> ChannelsOut:
    channels = []
    for name, latest in sorted(services.store.notifications.latest_by_channel().items()):
        last = latest.attempts[-1] if latest.attempts else None
        channels.append(
            ChannelHealth(
                channel=name,
                broken=latest.state is DeliveryState.FAILED,
                last_state=latest.state,
                last_event=latest.event,
                last_at=last.at if last else None,
                last_detail=last.detail if last else "",
            )
        )
    return ChannelsOut(channels=channels, broken=[c.channel for c in channels if c.broken])
