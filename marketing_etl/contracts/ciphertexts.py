"""Ciphertexts: every encrypted access token and schedule notification secret in the store, for
re-encrypting under a new key.

Reached from any Store as `store.ciphertexts`. `marketing-etl rotate-key` walks them page by page
(keyset on the owner's id) and replaces each with compare-and-set, so a token that a running API
or worker changed meanwhile is left as it is rather than overwritten with an older one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class TokenKind(StrEnum):
    JOB = "job"  # job_tokens, by job_id (expired ones included: a retry may still revive them)
    SCHEDULE = "schedule"  # the token of a schedule, by schedule_id
    CONNECTION = "connection"  # the token of a saved connection, by connection_id
    # A schedule's own notification secrets, kept as ciphertext text inside its `notify`, by schedule_id.
    NOTIFY_WEBHOOK = "schedule-webhook-secret"  # notify.webhook_secret
    NOTIFY_SLACK = "schedule-slack-url"  # notify.slack_webhook_url


class Ciphertexts(Protocol):
    def page(self, kind: TokenKind, after: str, limit: int) -> list[tuple[str, bytes]]:
        """(owner id, ciphertext) pairs with owner id > `after`, ascending, at most `limit`."""

    def replace(self, kind: TokenKind, owner_id: str, old: bytes, new: bytes) -> bool:
        """Store `new` only if the ciphertext is still `old`; True if it applied."""
