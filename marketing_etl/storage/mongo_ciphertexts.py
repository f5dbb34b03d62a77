"""Ciphertexts on MongoDB: job_tokens.ciphertext, schedules.token, connections.ciphertext, and the
secrets inside schedules.notify (the ciphertext as text)."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection

from marketing_etl.contracts.ciphertexts import TokenKind
from marketing_etl.storage.mongo_client import Doc

# The collection's owner-id field and ciphertext field (a dotted path inside notify), per kind.
_FIELDS: dict[TokenKind, tuple[str, str]] = {
    TokenKind.JOB: ("job_id", "ciphertext"),
    TokenKind.SCHEDULE: ("schedule_id", "token"),
    TokenKind.CONNECTION: ("connection_id", "ciphertext"),
    TokenKind.NOTIFY_WEBHOOK: ("schedule_id", "notify.webhook_secret"),
    TokenKind.NOTIFY_SLACK: ("schedule_id", "notify.slack_webhook_url"),
}
# Kept as text, not binary, since they live inside the schedule's notify document.
_TEXT = {TokenKind.NOTIFY_WEBHOOK, TokenKind.NOTIFY_SLACK}


class MongoCiphertexts:
    def __init__(
        self, job_tokens: Collection[Doc], schedules: Collection[Doc], connections: Collection[Doc]
    ) -> None:
        self._collections = {
            TokenKind.JOB: job_tokens,
            TokenKind.SCHEDULE: schedules,
            TokenKind.CONNECTION: connections,
            TokenKind.NOTIFY_WEBHOOK: schedules,
            TokenKind.NOTIFY_SLACK: schedules,
        }

    def page(self, kind: TokenKind, after: str, limit: int) -> list[tuple[str, bytes]]:
        owner, ciphertext = _FIELDS[kind]
        present = {"$type": "string"} if kind in _TEXT else {"$ne": None}
        cursor = (
            self._collections[kind]
            .find(
                {owner: {"$gt": after}, ciphertext: present},
                {"_id": False, owner: True, ciphertext: True},
            )
            .sort(owner, ASCENDING)
            .limit(limit)
        )
        return [(doc[owner], _as_bytes(_at(doc, ciphertext))) for doc in cursor]

    def replace(self, kind: TokenKind, owner_id: str, old: bytes, new: bytes) -> bool:
        owner, ciphertext = _FIELDS[kind]
        stored_old, stored_new = (old.decode(), new.decode()) if kind in _TEXT else (old, new)
        result = self._collections[kind].update_one(
            {owner: owner_id, ciphertext: stored_old}, {"$set": {ciphertext: stored_new}}
        )
        return result.matched_count == 1


def _at(doc: Doc, path: str) -> Any:
    value: Any = doc
    for part in path.split("."):
        value = value[part]
    return value


def _as_bytes(value: Any) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)
