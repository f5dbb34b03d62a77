"""What a source offers for the totals check (contracts/totals.py): which report columns add up
to a platform total, and a way to ask the platform for those totals once the rows are read."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class SummedColumn:
    column: str  # the report's header; its values add up over the rows
    money: bool  # tolerance: money 0.5 % or one minor unit, counts exact
    note: str = ""  # why the rows may add up to less than the platform's total (not a failure)


@dataclass(frozen=True)
class AccountTotals:
    currency: str  # the account's currency, as the platform reports its money ("" unknown)
    totals: dict[str, Decimal] = field(default_factory=dict)  # by SummedColumn.column


class PlatformTotals(Protocol):
    @property
    def columns(self) -> tuple[SummedColumn, ...]: ...

    @property
    def notes(self) -> tuple[str, ...]:
        """Explained exclusions that concern no compared column (reach is never compared …)."""

    def fetch(self) -> dict[str, AccountTotals]:
        """The platform's totals per account (keyed as the job names it), one call per account;
        an account the platform refused is left out."""
