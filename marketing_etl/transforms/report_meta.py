"""What a source tells the currency transform about its rows, through `Report.meta`.

Keys (all optional; column names are the report's own column names):

    "accounts"            list[str]: the accounts the report covers
    "account_column"      str: the column holding a row's account id
    "rate_date_columns"   list[str]: columns holding the day whose rate a row uses, the first
                          one present wins: the row's own day (daily rows), else the last day of
                          the period the row adds up (Facebook date_stop, TikTok end_date)
    "period_end"          str (YYYY-MM-DD): when every row adds up one period ending that day
                          (Facebook's all-days templates); used when no rate-date column is there
    "currency_column"     str: the column holding a row's currency code (TikTok `currency`)
    "account_currencies"  dict[str, str]: account id -> ISO 4217 code. It may fill while rows
                          stream, but must hold an account before that account's first row
    "account_timezones"   dict[str, str]: account id -> IANA zone; rows' days are calendar days
                          in that zone, and the rate is the one for that calendar day

Account ids compare without Facebook's "act_" prefix. Without these keys the columns are found
by name (see the *_NAMES below), and a report of a single account needs no account column.
Money columns are those typed "money" by the source's field catalog; ratio and percent columns
(ctr, roas, roi, frequency, rates) are never touched.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from marketing_etl.contracts.report import Column, Report
from marketing_etl.errors import InvalidRequest

ACCOUNTS = "accounts"
ACCOUNT_COLUMN = "account_column"
RATE_DATE_COLUMNS = "rate_date_columns"
PERIOD_END = "period_end"
CURRENCY_COLUMN = "currency_column"
ACCOUNT_CURRENCIES = "account_currencies"
ACCOUNT_TIMEZONES = "account_timezones"

ACCOUNT_NAMES = ("account_id", "advertiser_id", "account id", "ad_account_id")
RATE_DATE_NAMES = ("date", "day", "stat_time_day", "date_stop", "end_date", "date_start")
CURRENCY_NAMES = ("currency", "account_currency", "tiền tệ")


def account_key(value: object) -> str:
    """The form account ids are compared in: text, without 'act_', 123.0 read as 123."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().removeprefix("act_")


class MoneyLayout:
    """Where, in one report's rows, the money, the account, the day and the currency are."""

    def __init__(self, report: Report) -> None:
        self._columns = report.columns
        meta = report.meta
        self._meta = meta
        self.money = tuple(i for i, c in enumerate(report.columns) if c.kind == "money")
        self.currency_cells = self._indexes(meta.get(CURRENCY_COLUMN), CURRENCY_NAMES)
        self._account = self._index(meta.get(ACCOUNT_COLUMN), ACCOUNT_NAMES)
        accounts = [account_key(a) for a in meta.get(ACCOUNTS, [])]
        self.accounts = frozenset(accounts)  # empty when the source did not say
        self._only_account = accounts[0] if len(accounts) == 1 else None
        self._rate_day = self._first(meta.get(RATE_DATE_COLUMNS), RATE_DATE_NAMES)
        self._period_end = _as_date(meta.get(PERIOD_END))

    # checks before any row flows -----------------------------------------------------------
    def require_accounts(self, why: str) -> None:
        if self._account is None and self._only_account is None:
            name = self._meta.get(ACCOUNT_COLUMN) or "account_id"
            raise InvalidRequest(
                "selected_fields",
                f"{why} needs each row's account: add {name} to selected_fields (or send [] for all)",
            )

    def require_dates(self, why: str) -> None:
        if self._rate_day is None and self._period_end is None:
            names = self._meta.get(RATE_DATE_COLUMNS) or ["a date column"]
            raise InvalidRequest(
                "selected_fields",
                f"{why} needs each row's day: add {names[0]} to selected_fields (or send [] for all)",
            )

    def require_currencies(self, why: str) -> None:
        if self.currency_cells:
            return
        if ACCOUNT_CURRENCIES not in self._meta:
            name = self._meta.get(CURRENCY_COLUMN) or "currency"
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
        currencies: Mapping[str, str] = self._meta.get(ACCOUNT_CURRENCIES, {})
        code = currencies.get(account) if account is not None else None
        return code.upper() if code else None

    # finding columns -----------------------------------------------------------------------
    def _index(self, declared: str | None, names: Sequence[str]) -> int | None:
        found = self._indexes(declared, names)
        return found[0] if found else None

    def _first(self, declared: list[str] | None, names: Sequence[str]) -> int | None:
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
