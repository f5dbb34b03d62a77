"""One row's money: multiplied by its account's config-tab multiplier, or converted at the rate
of its day; with the rate, its date and its source appended when the job converts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from marketing_etl.contracts.report import Column
from marketing_etl.errors import UserError
from marketing_etl.fx.resolver import RateResolver
from marketing_etl.transforms.config_tab import TAB_TITLE, Multiplier
from marketing_etl.transforms.money import scaled
from marketing_etl.transforms.money_layout import MoneyLayout

FX_COLUMNS = (Column("fx_rate", "ratio"), Column("fx_rate_date", "date"), Column("fx_source", "text"))
CONFIG_TAB_SOURCE = "config-tab"


@dataclass(frozen=True)
class Applied:
    rate: Decimal
    rate_date: date | None
    source: str


class RowConverter:
    def __init__(
        self,
        layout: MoneyLayout,
        tab: Mapping[str, Multiplier],
        target: str | None,
        resolver: RateResolver | None,
    ) -> None:
        self._layout = layout
        self._tab = tab
        self._target = target
        self._resolver = resolver
        self.sources: Counter[str] = Counter()  # rows per rate source, for the job's log

    @property
    def fx_columns(self) -> tuple[Column, ...]:
        return FX_COLUMNS if self._target else ()

    def convert(self, row: Sequence[Any]) -> list[Any]:
        values = list(row)
        account = self._layout.account_of(values)
        entry = self._tab.get(account) if account is not None else None
        applied: Applied | None = None
        if entry is not None:
            applied = self._multiply(values, entry)
        elif self._target is not None:
            applied = self._convert(values, account, self._target)
        if applied is not None:
            self.sources[applied.source] += 1
        if self._target:
            values += [applied.rate, applied.rate_date, applied.source] if applied else [None] * 3
        return values

    def _multiply(self, values: list[Any], entry: Multiplier) -> Applied:
        self._scale(values, entry.factor, entry.currency or self._target)
        return Applied(entry.factor, None, CONFIG_TAB_SOURCE)

    def _convert(self, values: list[Any], account: str | None, target: str) -> Applied:
        assert self._resolver is not None  # built whenever there is a target
        currency = self._layout.currency_of(values, account)
        if currency is None:
            raise UserError(
                f"The currency of account {account} is unknown, so its money cannot be converted "
                f"to {target}. Add a row for it to the {TAB_TITLE} tab, or remove target_currency."
            )
        day = self._layout.rate_day_of(values)
        if day is None:
            raise UserError(
                f"A row of account {account} has no date, so no {currency}/{target} rate can be "
                "chosen for it. Pin one with fx_rates, or remove target_currency."
            )
        rate = self._resolver.rate(day, currency, target)
        self._scale(values, rate.rate, target)
        return Applied(rate.rate, rate.rate_date, rate.source)

    def _scale(self, values: list[Any], factor: Decimal, currency: str | None) -> None:
        for index in self._layout.money:
            values[index] = scaled(values[index], factor, currency)
        if currency:
            for index in self._layout.currency_cells:
                values[index] = currency
