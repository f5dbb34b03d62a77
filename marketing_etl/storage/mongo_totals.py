"""Totals checks (contracts/totals.py) on MongoDB: one document per job in `totals_checks`,
amounts as decimal text, indexed like the SQL table on (outcome, checked_at)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection

from marketing_etl.contracts.totals import TotalsCheck, TotalsOutcome
from marketing_etl.storage.common import to_utc
from marketing_etl.storage.mongo_client import Doc
from marketing_etl.storage.totals_docs import comparisons_from_doc, comparisons_to_doc


class MongoTotalsCheckStore:
    def __init__(self, checks: Collection[Doc]) -> None:
        self._checks = checks

    def init(self) -> None:
        self._checks.create_index("job_id", unique=True)
        self._checks.create_index([("outcome", ASCENDING), ("checked_at", ASCENDING)])

    def put(self, check: TotalsCheck) -> None:
        doc = {
            "job_id": check.job_id,
            "checked_at": to_utc(check.checked_at),
            "outcome": check.outcome.value,
            "comparisons": comparisons_to_doc(check.comparisons),
            "notes": list(check.notes),
        }
        self._checks.replace_one({"job_id": check.job_id}, doc, upsert=True)

    def get(self, job_id: str) -> TotalsCheck | None:
        doc = self._checks.find_one({"job_id": job_id}, {"_id": False})
        if doc is None:
            return None
        return TotalsCheck(
            job_id=doc["job_id"],
            checked_at=to_utc(doc["checked_at"]),
            outcome=TotalsOutcome(doc["outcome"]),
            comparisons=comparisons_from_doc(doc["comparisons"]),
            notes=tuple(doc["notes"]),
        )

    def count_mismatches(self, since: datetime | None, until: datetime | None) -> int:
        query: dict[str, Any] = {"outcome": TotalsOutcome.MISMATCH.value}
        window: dict[str, datetime] = {}
        if since is not None:
            window["$gte"] = to_utc(since)
        if until is not None:
            window["$lt"] = to_utc(until)
        if window:
            query["checked_at"] = window
        return int(self._checks.count_documents(query))

    def delete_for_jobs(self, job_ids: list[str]) -> int:
        if not job_ids:
            return 0
        return int(self._checks.delete_many({"job_id": {"$in": list(job_ids)}}).deleted_count)
