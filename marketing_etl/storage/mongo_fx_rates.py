"""The exchange-rate cache on MongoDB: one document per (day, base, quote), days as ISO text
(BSON has no date-only type) and rates as decimal text (exact, like the SQL backends)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import date
from decimal import Decimal

from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from marketing_etl.contracts.fx_rates import CachedRate
from marketing_etl.storage.common import to_utc
from marketing_etl.storage.mongo_client import Doc

_KEY = [("day", ASCENDING), ("base", ASCENDING), ("quote", ASCENDING)]


class MongoRateCache:
    def __init__(self, collection: Collection[Doc]) -> None:
        self._rates = collection

    def init(self) -> None:
        self._rates.create_index(_KEY, unique=True)

    def get(self, day: date, base: str, quote: str) -> CachedRate | None:
        doc = self._rates.find_one({"day": day.isoformat(), "base": base, "quote": quote}, {"_id": False})
        if doc is None:
            return None
        return CachedRate(
            day=date.fromisoformat(doc["day"]),
            base=doc["base"],
            quote=doc["quote"],
            rate=Decimal(doc["rate"]),
            rate_date=date.fromisoformat(doc["rate_date"]),
            source=doc["source"],
            fetched_at=to_utc(doc["fetched_at"]),
        )

    def put(self, rates: Sequence[CachedRate]) -> None:
        for r in rates:
            key = {"day": r.day.isoformat(), "base": r.base, "quote": r.quote}
            first = {
                "rate": str(r.rate),
                "rate_date": r.rate_date.isoformat(),
                "source": r.source,
                "fetched_at": to_utc(r.fetched_at),
            }
            # $setOnInsert with upsert: an entry already cached keeps its first answer. A job
            # racing on the same new key may insert it first: then that answer stays.
            with suppress(DuplicateKeyError):
                self._rates.update_one(key, {"$setOnInsert": first}, upsert=True)
