"""The TikTok side of the totals check (transforms/totals_check.py) for both reports.

The report's own calls ask TikTok for `enable_total_metrics`: each answer's `data.total_metrics`
adds up that query's rows over all its pages, as TikTok counts them. The job's queries are
disjoint (date windows x campaign batches, and for creatives x product batches), so their totals
add up to the platform's total for the job, at no extra call.

A creative query spans every campaign x product combination of its batches, and the report then
leaves out the rows of pairs it did not ask about and, with the idle filter, creatives without
cost or orders. Those rows are part of TikTok's totals on purpose: their amounts are taken off
TikTok's side and named in the check's notes, so only what the report keeps is compared.

A query that has rows but no total_metrics leaves the job without a platform total to compare
(the check is "skipped"), rather than comparing its rows against nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from marketing_etl.contracts.report import Column
from marketing_etl.contracts.totals_probe import AccountTotals, SummedColumn

# The reports' additive metrics, money or not (cost per order and ROI are ratios).
ADDITIVE = {"cost": True, "gross_revenue": True, "orders": False}


class TikTokTotals:
    def __init__(self, advertiser_id: str, columns: Sequence[Column]) -> None:
        self._advertiser_id = advertiser_id
        self.columns = tuple(
            SummedColumn(c.name, money=ADDITIVE[c.name]) for c in columns if c.name in ADDITIVE
        )
        self._lock = threading.Lock()  # report pages are read on several threads
        self._totals: dict[str, Decimal] = {}
        self._left_out: dict[str, Decimal] = {}
        self._left_out_rows = 0
        self._currency = ""
        self._answered = False
        self._incomplete = False

    def add(self, data: Mapping[str, Any]) -> None:
        """A report answer's first page: its total_metrics, added to the job's."""
        self.add_query(data, has_rows=bool(data.get("list")), left_out=())

    def add_query(
        self, data: Mapping[str, Any], *, has_rows: bool, left_out: Sequence[Mapping[str, Any]]
    ) -> None:
        """A query's first page and the metrics of its rows the report leaves out on purpose."""
        totals = data.get("total_metrics")
        with self._lock:
            if not isinstance(totals, Mapping):
                self._incomplete = self._incomplete or has_rows
                return
            self._answered = True
            self._currency = self._currency or str(totals.get("currency") or "")
            self._left_out_rows += len(left_out)
            for column in self.columns:
                name = column.column
                dropped = sum((_decimal(row.get(name)) for row in left_out), Decimal(0))
                self._totals[name] = self._totals.get(name, Decimal(0)) + _decimal(totals.get(name)) - dropped
                self._left_out[name] = self._left_out.get(name, Decimal(0)) + dropped

    @property
    def notes(self) -> tuple[str, ...]:
        with self._lock:
            if not self._left_out_rows:
                return ()
            amounts = ", ".join(f"{name} {value:,}" for name, value in self._left_out.items())
            return (
                f"{self._left_out_rows:,} creative rows TikTok counts in its totals are left out of "
                "the report (campaign/product pairs it does not cover, creatives without cost or "
                f"orders); their {amounts} are taken off TikTok's totals before comparing.",
            )

    def fetch(self) -> dict[str, AccountTotals]:
        with self._lock:
            if self._incomplete or not self._answered or not self.columns:
                return {}
            return {self._advertiser_id: AccountTotals(self._currency, dict(self._totals))}


def _decimal(raw: object) -> Decimal:
    try:
        return Decimal(str(raw)) if raw not in (None, "", "-") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)
