"""The exchange-rate cache: every rate a job resolved, kept so the same dates convert the same
way later (a backfill next month, or a run without internet).

One entry per (day, base, quote): `day` is the day a row asked for, `rate_date` the day the
rate was published for (earlier on weekends and holidays). Entries are written once and never
replaced, so the numbers a finance team audited do not change under them. Rates are Decimals,
stored as text where the database has no exact decimal type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class CachedRate:
    day: date
    base: str
    quote: str
    rate: Decimal  # units of `quote` for one unit of `base`
    rate_date: date
    source: str  # which provider answered (fx-api, fx-api-fallback, ecb)
    fetched_at: datetime


class RateCache(Protocol):
    def get(self, day: date, base: str, quote: str) -> CachedRate | None: ...

    def put(self, rates: Sequence[CachedRate]) -> None:
        """Add entries; an entry whose (day, base, quote) is already cached is ignored."""
