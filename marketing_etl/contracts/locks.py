"""Named leases in the job store: one holder at a time for a shared resource (a sheet tab).

Every process that runs jobs (local threads, Celery workers on other machines) already shares
the store, so a lease there serialises them all without another service. A lease expires unless
its holder renews it, so a crashed worker blocks the others for one lease at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class LockHolder:
    label: str  # what the lease is on, for people ("spreadsheet/tab")
    owner: str  # one acquisition: only it may renew or release
    holder: str  # what to tell those waiting (the job id)
    expires_at: datetime


class Locks(Protocol):
    def acquire(
        self, name: str, *, label: str, owner: str, holder: str, lease_until: datetime, now: datetime
    ) -> LockHolder | None:
        """Take the lease (or extend it, if `owner` has it already); None when `owner` holds it
        afterwards, otherwise whoever holds it. An expired lease is taken over."""

    def current(self, name: str, now: datetime) -> LockHolder | None:
        """The unexpired holder of the lease, if any."""

    def renew(self, name: str, owner: str, lease_until: datetime) -> bool:
        """Extend the lease while `owner` still holds it; False if it was lost."""

    def release(self, name: str, owner: str) -> None:
        """Give the lease up, if `owner` holds it."""
