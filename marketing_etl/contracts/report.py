"""What a source hands to transforms and destinations: typed columns, a stream of rows, and a
description of what the rows hold beyond their columns' kinds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from marketing_etl.contracts.totals_probe import PlatformTotals


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text, id, date, datetime, integer, money, ratio, percent, formula


def account_key(value: object) -> str:
    """The form account ids are compared in: text, without Facebook's 'act_', 123.0 read as 123."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().removeprefix("act_")


@dataclass(frozen=True)
class AccountInfo:
    currency: str  # ISO 4217 code as the platform gave it; "" when it gave none
    timezone: str  # IANA zone; the rows' days are calendar days in it


class AccountInfoLookup:
    """Each account's currency and time zone, filled by the source as it reads them.

    Guarantee: the source has recorded an account before it yields that account's first row, so
    whoever reads the rows may ask about a row's account. Before rows flow it may be empty: the
    source reads accounts when the rows are first read, so a job that fails its checks before then
    costs no calls.
    """

    def __init__(self) -> None:
        self._by_account: dict[str, AccountInfo] = {}

    def record(self, account: object, info: AccountInfo) -> None:
        self._by_account[account_key(account)] = info

    def info_of(self, account: object) -> AccountInfo | None:
        return self._by_account.get(account_key(account))


@dataclass(frozen=True)
class ReportDescription:
    """Where a report's rows keep their account, day and currency, for the transforms (and
    destinations) that need them. Column names are the report's own; a field left empty means
    the source did not say, and the reader looks for the usual column names instead. Money
    columns are the columns of kind "money"."""

    accounts: tuple[str, ...] = ()  # the accounts the report covers; compare through account_key
    account_column: str | None = None  # the column holding a row's account id
    # The columns holding the day whose rate a row uses, the first one present wins: the row's
    # own day (daily rows), else the last day of the period the row adds up.
    rate_date_columns: tuple[str, ...] | None = None
    period_end: date | None = None  # every row adds up one period ending that day
    currency_column: str | None = None  # the column holding a row's currency code
    account_info: AccountInfoLookup | None = None  # None: the source does not know currencies
    # The columns that identify a row, the row's day first (then object ids, breakdown values):
    # a refreshed row replaces the tab's row with the same values in them. Empty: rows are not
    # one per day and object, so they cannot be refreshed.
    key_columns: tuple[str, ...] = ()
    # The platform's own totals for the totals check (transforms/totals_check.py); None: the
    # source offers none, and its jobs are not checked.
    totals: PlatformTotals | None = None


@dataclass
class Report:
    columns: list[Column]
    rows: Iterable[Sequence[Any]]  # one sequence per report line, in column order; may be lazy
    description: ReportDescription = ReportDescription()


@dataclass(frozen=True)
class WriteResult:
    rows_written: int
    url: str | None = None  # sheet URL or download path, shown to the user
