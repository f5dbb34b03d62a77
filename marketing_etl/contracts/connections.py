"""Saved connections: a platform access token saved once under a name, used by jobs and
schedules through `connection_id` instead of sending the token each time.

Reached from any Store as `store.connections`. The token is kept encrypted (like job tokens) and
never returned; the rest is what the last check against the platform found (who the token acts
as, its scopes, when it expires), shown on the dashboard's connections page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ConnectionCheck:
    """What asking the platform about the token found (Facebook /me + debug_token, TikTok
    advertiser info); `ok` False means the platform refused it, with its reason in `message`."""

    checked_at: datetime
    ok: bool
    message: str = ""
    owner_name: str | None = None  # who the token acts as (a Facebook user, a TikTok app)
    owner_id: str | None = None
    scopes: tuple[str, ...] = ()
    expires_at: datetime | None = None  # None: does not expire, or the platform did not say


@dataclass(frozen=True)
class Connection:
    connection_id: str
    platform: str  # a source's platform name ("facebook", "tiktok")
    name: str
    created_at: datetime
    created_by: str | None = None
    last_check: ConnectionCheck | None = None  # None until first checked


class ConnectionStore(Protocol):
    def insert(self, connection: Connection, ciphertext: bytes) -> bool:
        """False (and no change) if the connection_id exists."""

    def get(self, connection_id: str) -> Connection | None: ...

    def all(self) -> list[Connection]:
        """Every connection, by name then id."""

    def token(self, connection_id: str) -> bytes | None:
        """The encrypted access token; None if the connection does not exist."""

    def record_check(self, connection_id: str, check: ConnectionCheck) -> bool:
        """Keep the newest check's findings; False if the connection does not exist."""

    def delete(self, connection_id: str) -> bool: ...

    def expiring(self, before: datetime) -> list[Connection]:
        """Connections whose last check found an expiry at or before `before`, soonest first."""
