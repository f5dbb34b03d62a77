"""Where, in one report's rows, the money, the account, the day and the currency are: the
report's description (contracts.report.ReportDescription) says, else the usual column names
below do, and a report of a single account needs no account column. Money columns are those
typed "money" by the source's field catalog; ratio and percent columns (ctr, roas, roi,
frequency, rates) are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from marketing_etl.contracts.report import Column, Report, account_key
from marketing_etl.errors import InvalidRequest

ACCOUNT_NAMES = ("account_id", "advertiser_id", "account id", "ad_account_id")
RATE_DATE_NAMES = ("date", "day", "stat_time_day", "date_stop", "end_date", "date_start")
CURRENCY_NAMES = ("currency", "account_currency", "tiền tệ")


class MoneyLayout:
    """Where, in one report's rows, the money, the account, the day and the currency are."""

    def __init__(self, report: Report) -> None:
        self._columns = report.columns
        described = report.description
        self._described = described
        self.money = tuple(i for i, c in enumerate(report.columns) if c.kind == "money")
        self.currency_cells = self._indexes(described.currency_column, CURRENCY_NAMES)
        self._account = self._index(described.account_column, ACCOUNT_NAMES)
        accounts = [account_key(a) for a in described.accounts]
        self.accounts = frozenset(accounts)  # empty when the source did not say
        self._only_account = accounts[0] if len(accounts) == 1 else None
        self._rate_day = self._first(described.rate_date_columns, RATE_DATE_NAMES)
        self._period_end = described.period_end

    # checks before any row flows -----------------------------------------------------------
    def require_accounts(self, why: str) -> None:
        if self._account is None and self._only_account is None:
            name = self._described.account_column or "account_id"
            raise InvalidRequest(
                "selected_fields",
                f"{why} needs each row's account: add {name} to selected_fields (or send [] for all)",
            )

    def require_dates(self, why: str) -> None:
        if self._rate_day is None and self._period_end is None:
            names = self._described.rate_date_columns or ("a date column",)
            raise InvalidRequest(
                "selected_fields",
                f"{why} needs each row's day: add {names[0]} to selected_fields (or send [] for all)",
            )

    def require_currencies(self, why: str) -> None:
        if self.currency_cells:
            return
        if self._described.account_info is None:
            name = self._described.currency_column or "currency"
            raise InvalidRequest(
                "selected_fields",
                f"{why} needs each row's currency: add {name} to selected_fields (or send [] for all)",
            )
        self.require_accounts(why)

    # per row -------------------------------------------------------------------------------
    def account_of(self, row: Sequence[Any]) -> str | None:
        if self._account is not None and row[self._account] not in (None, ""):
            return account_key(row[self._account])
        return self._only_account

    def rate_day_of(self, row: Sequence[Any]) -> date | None:
        day = _as_date(row[self._rate_day]) if self._rate_day is not None else None
        return day or self._period_end

    def currency_of(self, row: Sequence[Any], account: str | None) -> str | None:
        for index in self.currency_cells:
            if row[index]:
                return str(row[index]).strip().upper()
        lookup = self._described.account_info
        info = lookup.info_of(account) if lookup is not None and account is not None else None
        return info.currency.upper() if info and info.currency else None

    # finding columns -----------------------------------------------------------------------
    def _index(self, declared: str | None, names: Sequence[str]) -> int | None:
        found = self._indexes(declared, names)
        return found[0] if found else None

    def _first(self, declared: Sequence[str] | None, names: Sequence[str]) -> int | None:
        for name in declared if declared is not None else names:
            index = self._index(name, ())
            if index is not None:
                return index
        return None

    def _indexes(self, declared: str | None, names: Sequence[str]) -> tuple[int, ...]:
        wanted = [declared] if declared else list(names)
        return tuple(i for i, c in enumerate(self._columns) if _plain(c) in {_fold(w) for w in wanted})


def _plain(column: Column) -> str:
    return _fold(column.name)


def _fold(name: str) -> str:
    return name.strip().casefold()


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None
