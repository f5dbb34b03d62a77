"""Ciphertexts on MongoDB: job_tokens.ciphertext and schedules.token."""

from __future__ import annotations

from pymongo import ASCENDING
from pymongo.collection import Collection

from marketing_etl.contracts.ciphertexts import TokenKind
from marketing_etl.storage.mongo_client import Doc

# The collection's owner-id field and ciphertext field, per kind.
_FIELDS: dict[TokenKind, tuple[str, str]] = {
    TokenKind.JOB: ("job_id", "ciphertext"),
    TokenKind.SCHEDULE: ("schedule_id", "token"),
}


class MongoCiphertexts:
    def __init__(self, job_tokens: Collection[Doc], schedules: Collection[Doc]) -> None:
        self._collections = {TokenKind.JOB: job_tokens, TokenKind.SCHEDULE: schedules}

    def page(self, kind: TokenKind, after: str, limit: int) -> list[tuple[str, bytes]]:
        owner, ciphertext = _FIELDS[kind]
        cursor = (
            self._collections[kind]
            .find(
                {owner: {"$gt": after}, ciphertext: {"$ne": None}},
                {"_id": False, owner: True, ciphertext: True},
            )
            .sort(owner, ASCENDING)
            .limit(limit)
        )
        return [(doc[owner], bytes(doc[ciphertext])) for doc in cursor]

    def replace(self, kind: TokenKind, owner_id: str, old: bytes, new: bytes) -> bool:
        owner, ciphertext = _FIELDS[kind]
        result = self._collections[kind].update_one(
            {owner: owner_id, ciphertext: old}, {"$set": {ciphertext: new}}
        )
        return result.matched_count == 1
