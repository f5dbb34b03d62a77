"""API-call rollups (contracts/rollups.py) on MongoDB.

One document per rollup row, unique on (bucket_s, bucket_start, platform, endpoint). A batch of
calls is summed in Python, then each touched document gets one upsert with $inc for the sums and
$max for the maxima; each is atomic on its document, so concurrent writers never lose a count.
Two writers creating the same new document at once: one insert wins the unique index and the
other's upsert is sent again, now matching (and updating) the document the first created.

Without multi-document transactions the raw records and their counters are separate writes:
record_api_calls stores the raw calls first, then their counters, so a process dying between the
two leaves raw calls (on the job's page) that the rollups do not count.

Raw calls stored by this version carry ROLLED_UP. Calls stored by an older version lack it: init()
rolls those up once, in batches, each batch first claimed call by call (an update that only
matches calls still without the field), so several processes starting together never count a
call twice. A process dying between claiming a batch and adding it leaves that batch uncounted.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from marketing_etl.contracts.rollups import CallCounters, CallSeries, bucket_start
from marketing_etl.models import ApiCall
from marketing_etl.storage.common import to_utc
from marketing_etl.storage.mongo_client import Doc
from marketing_etl.storage.rollup_rows import (
    MAX_FIELDS,
    SUMMED_FIELDS,
    Deltas,
    RollupKey,
    add_call,
    counters_from,
    fill_series,
    rollup_deltas,
    totals_bucket_s,
)

ROLLED_UP = "rolled_up"  # on a raw call document: its counters are in the rollups
BACKFILL_BATCH = 5_000
_STATE_ID = "api_calls"
_KEY = ("bucket_s", "bucket_start", "platform", "endpoint")
log = logging.getLogger(__name__)


class MongoRollups:
    def __init__(self, rollups: Collection[Doc], calls: Collection[Doc], state: Collection[Doc]) -> None:
        self._rollups = rollups
        self._calls = calls
        self._state = state

    # writing -------------------------------------------------------------------------------
    def add(self, calls: Sequence[ApiCall]) -> None:
        self._add_deltas(rollup_deltas(calls))

    def _add_deltas(self, deltas: Sequence[tuple[RollupKey, CallCounters]]) -> None:
        # One upsert per row (a batch of one call touches three: its hour, its day, all time).
        for key, counters in deltas:
            query = {name: getattr(key, name) for name in _KEY}
            update = _update(counters)
            try:
                self._rollups.update_one(query, update, upsert=True)
            except DuplicateKeyError:
                # Another writer inserted this row between our upsert's match and its insert.
                self._rollups.update_one(query, update, upsert=True)

    def init(self) -> None:
        self._rollups.create_index([(name, ASCENDING) for name in _KEY], unique=True)
        self.backfill()

    def backfill(self, batch: int | None = None) -> int:
        """Roll up the raw calls stored without ROLLED_UP; returns how many this call claimed."""
        size = batch or BACKFILL_BATCH
        state = self._state.find_one({"_id": _STATE_ID})
        if state is not None and state.get("done"):
            return 0
        total = 0
        last: Any = None
        while True:
            query: Doc = {ROLLED_UP: {"$exists": False}}
            if last is not None:
                query["_id"] = {"$gt": last}
            ids = [doc["_id"] for doc in self._calls.find(query, {"_id": True}).sort("_id").limit(size)]
            if not ids:
                break
            last = ids[-1]
            total += self._claim_and_add(ids)
        self._state.update_one({"_id": _STATE_ID}, {"$set": {"done": True}}, upsert=True)
        if total:
            log.info("Rolled up %d API calls recorded before rollups existed", total)
        return total

    def _claim_and_add(self, ids: list[Any]) -> int:
        claim = uuid.uuid4().hex
        self._calls.update_many(
            {"_id": {"$in": ids}, ROLLED_UP: {"$exists": False}}, {"$set": {ROLLED_UP: claim}}
        )
        deltas: Deltas = {}
        claimed = 0
        for doc in self._calls.find({"_id": {"$in": ids}, ROLLED_UP: claim}):
            add_call(
                deltas,
                ts=doc["ts"],
                platform=doc["platform"],
                endpoint=doc["endpoint"],
                http_status=doc.get("http_status"),
                error=doc.get("error"),
                usage=doc.get("usage"),
            )
            claimed += 1
        self._add_deltas(sorted(deltas.items()))
        return claimed

    # queries -------------------------------------------------------------------------------
    def timeline(self, bucket_s: int, first: datetime, count: int, platform: str | None = None) -> CallSeries:
        start = bucket_start(first, bucket_s)
        query = _window(bucket_s, start, platform)
        query["bucket_start"]["$lt"] = start + timedelta(seconds=bucket_s * count)
        cursor = self._rollups.find(
            query, {"_id": False, "bucket_start": True, "platform": True, "endpoint": True, "calls": True}
        )
        rows = ((doc["bucket_start"], doc["platform"], doc["endpoint"], int(doc["calls"])) for doc in cursor)
        return fill_series(rows, start, bucket_s, count, to_utc)

    def by_endpoint(
        self, bucket_s: int, since: datetime | None, platform: str | None = None
    ) -> dict[tuple[str, str], CallCounters]:
        group = _group({"platform": "$platform", "endpoint": "$endpoint"})
        window = _window(totals_bucket_s(bucket_s, since), since, platform)
        pipeline: list[Doc] = [{"$match": window}, {"$group": group}]
        return {
            (doc["_id"]["platform"], doc["_id"]["endpoint"]): counters_from(doc)
            for doc in self._rollups.aggregate(pipeline)
        }

    def by_platform(self, bucket_s: int, since: datetime | None) -> dict[str, CallCounters]:
        window = _window(totals_bucket_s(bucket_s, since), since, None)
        pipeline: list[Doc] = [{"$match": window}, {"$group": _group("$platform")}]
        return {doc["_id"]: counters_from(doc) for doc in self._rollups.aggregate(pipeline)}


def _window(bucket_s: int, since: datetime | None, platform: str | None) -> Doc:
    query: Doc = {"bucket_s": bucket_s}
    if since is not None:
        query["bucket_start"] = {"$gte": bucket_start(since, bucket_s)}
    if platform is not None:
        query["platform"] = platform
    return query


def _group(key: Any) -> Doc:
    group: Doc = {"_id": key}
    group |= {name: {"$sum": f"${name}"} for name in SUMMED_FIELDS}
    group |= {name: {"$max": f"${name}"} for name in MAX_FIELDS}
    return group


def _update(counters: CallCounters) -> Doc:
    update: Doc = {"$inc": {name: getattr(counters, name) for name in SUMMED_FIELDS}}
    maxima = {name: getattr(counters, name) for name in MAX_FIELDS if getattr(counters, name) is not None}
    if maxima:
        update["$max"] = maxima
    return update
