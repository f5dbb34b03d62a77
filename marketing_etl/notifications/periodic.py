"""The events no job raises, checked by the delivery loop now and then: a saved connection
expiring within 7 days, and the configured Graph API version nearing its end. Their ids carry
the day, so each is sent at most once a day however often and wherever it is checked."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from marketing_etl.contracts.store import Store
from marketing_etl.notifications.channels import settings_channels
from marketing_etl.notifications.events import API_VERSION_ENDING, CONNECTION_EXPIRING, Event, enqueue
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook.versions import version_status

log = logging.getLogger(__name__)

EXPIRING_WITHIN = timedelta(days=7)


def check_periodic(store: Store, settings: Settings, now: datetime) -> int:
    """Enqueue today's warnings; returns how many notifications were new."""
    added = 0
    for check in (_expiring_connections, _api_version):
        try:
            added += check(store, settings, now)
        except Exception:  # one check's failure (a store without connections yet) keeps the other
            log.exception("notifications: the %s check failed", check.__name__.strip("_"))
    return added


def _expiring_connections(store: Store, settings: Settings, now: datetime) -> int:
    added = 0
    channels = settings_channels(settings)
    for connection in store.connections.expiring(now + EXPIRING_WITHIN):
        check = connection.last_check
        if check is None or check.expires_at is None:
            continue
        expires = check.expires_at.date().isoformat()
        event = Event(
            name=CONNECTION_EXPIRING,
            subject=f"{connection.connection_id}@{now.date().isoformat()}",
            title=f'Connection "{connection.name}" expires on {expires}',
            message=(
                f"The saved {connection.platform} connection \"{connection.name}\" stops working on "
                f"{expires}; jobs and schedules using it will fail from then. Save a new token for it."
            ),
            link=f"{settings.resolved_public_url}/dashboard/connections",
            details={"connection_id": connection.connection_id, "platform": connection.platform,
                     "expires_at": check.expires_at.isoformat().replace("+00:00", "Z")},
        )
        added += enqueue(store, settings, event, channels, now)
    return added


def _api_version(store: Store, settings: Settings, now: datetime) -> int:
    status = version_status(settings.facebook_api_version, now.date())
    if status.message is None:
        return 0
    event = Event(
        name=API_VERSION_ENDING,
        subject=f"{status.version}@{now.date().isoformat()}",
        title=f"Facebook Marketing API {status.version} is ending",
        message=status.message,
        link=f"{settings.resolved_public_url}/dashboard",
        details={"api_version": status.version,
                 "ends_on": status.ends_on.isoformat() if status.ends_on else None},
    )
    return enqueue(store, settings, event, settings_channels(settings), now)
