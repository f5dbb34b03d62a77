"""Currencies replaced by the euro: from the changeover day they convert through the fixed rate.

Bulgaria adopted the euro on 2026-01-01 at 1.95583 BGN per EUR, and the ECB publishes no BGN rate
after 2025-12-31. A BGN account's history therefore converts at the published rates up to that
day and through EUR at the fixed rate after it (BGN -> USD = EUR -> USD / 1.95583), never at a
stale last-published BGN rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

EURO = "EUR"


@dataclass(frozen=True)
class Changeover:
    currency: str
    per_euro: Decimal  # units of the currency for one euro, fixed by law
    first_day: date  # the first day it converts through the euro

    @property
    def source(self) -> str:
        """What fx_source says for a rate that went through the fixed rate."""
        return f"fixed {self.per_euro} {self.currency} per EUR"


CHANGEOVERS = {"BGN": Changeover("BGN", Decimal("1.95583"), date(2026, 1, 1))}


def changeover_on(day: date, currency: str) -> Changeover | None:
    """The changeover `currency` has gone through by `day`, if any."""
    found = CHANGEOVERS.get(currency)
    return found if found is not None and day >= found.first_day else None
