"""Insights rows -> typed report rows, in the column order the user chose.

An insights row is turned into a compact tuple as soon as it arrives (the raw dict is dropped);
the metadata cells are filled as the row leaves, once the account's objects have been read.
Values are typed by column kind: ids and text as str, counts as int, money/ratios/percentages
as float (percent columns hold fractions, like every Report: Facebook's ctr 4.5 becomes 0.045
and shows as 4.5 % in the sheet), dates as date, times as aware datetime, formulas as text starting with "=".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, NamedTuple

from marketing_etl.job_spec import Account
from marketing_etl.sources.facebook.metadata import Meta, parse_time
from marketing_etl.sources.facebook.metrics import metric_value
from marketing_etl.sources.facebook.plan import ColumnSpec, ReportPlan
from marketing_etl.sources.facebook.platform_rules import REACH_FIELDS

Getter = Callable[[Mapping[str, Any]], Any]


class Partial(NamedTuple):
    """A report row waiting for its metadata cells (a tuple: small in memory and in a spool)."""

    key: tuple[Any, ...]
    object_id: str
    values: tuple[Any, ...]


class RowShaper:
    """Shapes the rows of one account."""

    def __init__(self, plan: ReportPlan, account: Account, account_index: int) -> None:
        self._plan = plan
        self._account_index = account_index
        self._getters = [_getter(column, account) for column in plan.columns]
        self._meta_cells = [(i, c.key) for i, c in enumerate(plan.columns) if c.source == "meta"]
        self.currency = ""

    def partial(self, raw: Mapping[str, Any]) -> Partial:
        object_id = str(raw.get(self._plan.object_key, ""))
        if not self.currency and raw.get("account_currency"):
            self.currency = str(raw["account_currency"])
        key = (
            str(raw.get("date_start", "")),
            self._account_index,
            len(object_id),  # ids are digit strings: shorter is smaller
            object_id,
            tuple(str(raw.get(b, "")) for b in self._plan.breakdown_keys),
        )
        return Partial(key, object_id, tuple([get(raw) for get in self._getters]))

    def complete(self, partial: Partial, metas: Mapping[str, Meta]) -> list[Any]:
        values = list(partial.values)
        meta = metas.get(partial.object_id, {})
        for index, key in self._meta_cells:
            values[index] = meta.get(key)
        return values


def _getter(column: ColumnSpec, account: Account) -> Getter:
    if column.source == "account":
        value = account.id if column.key == "id" else account.name
        return lambda _raw: value
    if column.source == "meta":
        return lambda _raw: None
    if column.metric is not None:
        metric = column.metric
        if column.kind == "integer":
            return lambda raw: round(metric_value(raw, metric))
        if column.kind == "percent":
            return lambda raw: metric_value(raw, metric) / 100
        return lambda raw: metric_value(raw, metric)
    convert = CONVERTERS[column.kind]
    key = column.key
    if key in REACH_FIELDS:
        # Marked None when Facebook withheld it (allowances.py): a blank cell, not a 0, because
        # "not reported" is not "no one reached". An absent key is still a true 0.
        return lambda raw: None if key in raw and raw[key] is None else convert(raw.get(key))
    return lambda raw: convert(raw.get(key))


def _text(raw: object) -> str:
    return "" if raw is None else str(raw)


def _integer(raw: object) -> int:
    return round(float(str(raw))) if raw not in (None, "") else 0


def _number(raw: object) -> float:
    return float(str(raw)) if raw not in (None, "") else 0.0


def _fraction(raw: object) -> float:
    # Facebook sends percentage points (ctr 4.5 = 4.5 %); Report percent columns hold fractions
    # so that every destination's percent format shows 4.5 %, not 450 %.
    return _number(raw) / 100


def _date(raw: object) -> date | None:
    return date.fromisoformat(str(raw)) if raw else None


CONVERTERS: dict[str, Callable[[object], Any]] = {
    "id": _text,
    "text": _text,
    "formula": _text,
    "integer": _integer,
    "money": _number,
    "ratio": _number,
    "percent": _fraction,
    "date": _date,
    "datetime": parse_time,
}
