"""The original's per-account multipliers: the `[CONFIG] Currency Exchange` tab of the target
spreadsheet, read once per job through the Sheets client.

First row: headers `Account ID`, `Exchange Rate (Multiplier)`, `Status`, optional `Target
Currency` (any order, any case). A row counts when Status is empty or "active" (any case).
Account ids match with or without "act_"; a TikTok report matches on its advertiser_id.
A counted row with a multiplier that is not a positive number, an unknown Target Currency, or an
account listed twice fails the job, naming the row: wrong money is worse than no report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.contracts.report import account_key
from marketing_etl.destinations.sheets.a1 import quoted
from marketing_etl.destinations.sheets.auth import CredentialsProblem
from marketing_etl.destinations.sheets.session import open_sheets_session
from marketing_etl.errors import UserError
from marketing_etl.fx.currencies import is_known, normalise_code
from marketing_etl.transforms.money import to_decimal

TAB_TITLE = "[CONFIG] Currency Exchange"
_ACCOUNT = ("account id", "account_id", "advertiser id", "advertiser_id")
_MULTIPLIER = ("exchange rate (multiplier)", "exchange rate", "multiplier")
_STATUS = ("status",)
_TARGET = ("target currency", "target_currency")
_COUNTED_STATUSES = ("", "active")


@dataclass(frozen=True)
class Multiplier:
    factor: Decimal
    currency: str | None  # the tab's Target Currency, when given
    row: int  # the tab's row number, for the log and for errors


def read_config_tab(ctx: JobContext) -> dict[str, Multiplier]:
    """Account key -> multiplier; empty when the job does not write to a spreadsheet or the
    spreadsheet has no such tab."""
    spec = ctx.spec
    if spec.destination != "sheets" or not spec.spreadsheet_id:
        return {}
    values = _tab_values(ctx, spec.spreadsheet_id)
    if values is None:
        return {}
    multipliers = parse_config_tab(values)
    ctx.log(f"{TAB_TITLE}: multipliers for {len(multipliers)} account(s) will be applied")
    return multipliers


def _tab_values(ctx: JobContext, spreadsheet_id: str) -> list[list[Any]] | None:
    try:
        with open_sheets_session(ctx, spreadsheet_id) as session:
            client, retry = session.client, session.retry
            sheets = retry.call(client.get_spreadsheet).get("sheets", [])
            titles = [str(sheet.get("properties", {}).get("title", "")) for sheet in sheets]
            title = next((t for t in titles if _fold(t) == _fold(TAB_TITLE)), None)
            if title is None:
                return None
            return retry.call(lambda: client.get_values(quoted(title)))
    except CredentialsProblem as exc:
        # The writer stops on this with the fix; failing here would only say it earlier, and
        # would stop a job whose `sheets` destination needs no Google key.
        ctx.log(f"The {TAB_TITLE} tab was not read: {exc}", "WARNING")
        return None


def parse_config_tab(values: Sequence[Sequence[Any]]) -> dict[str, Multiplier]:
    if not values:
        return {}
    header = [_fold(str(cell)) for cell in values[0]]
    account_at, factor_at = _column(header, _ACCOUNT), _column(header, _MULTIPLIER)
    if account_at is None or factor_at is None:
        raise UserError(
            f"The {TAB_TITLE} tab needs the columns Account ID and Exchange Rate (Multiplier) "
            "in its first row."
        )
    status_at, target_at = _column(header, _STATUS), _column(header, _TARGET)
    found: dict[str, Multiplier] = {}
    for number, row in enumerate(values[1:], start=2):
        account = _cell(row, account_at)
        if account in (None, "") or _fold(str(_cell(row, status_at) or "")) not in _COUNTED_STATUSES:
            continue
        key = account_key(account)
        entry = Multiplier(_factor(row, factor_at, number), _target(row, target_at, number), number)
        if key in found:
            raise UserError(
                f"The {TAB_TITLE} tab lists account {key} twice (rows {found[key].row} and {number}); "
                "keep one active row per account."
            )
        found[key] = entry
    return found


def _factor(row: Sequence[Any], index: int, number: int) -> Decimal:
    value = _cell(row, index)
    factor = to_decimal(value)
    if factor is None or factor <= 0:
        raise UserError(
            f"The {TAB_TITLE} tab, row {number}: the Exchange Rate (Multiplier) '{value}' must be "
            "a number above 0, like 24000."
        )
    return factor


def _target(row: Sequence[Any], index: int | None, number: int) -> str | None:
    text = str(_cell(row, index) or "").strip()
    if not text:
        return None
    code = normalise_code(text)
    if not is_known(code):
        raise UserError(
            f"The {TAB_TITLE} tab, row {number}: Target Currency '{text}' is not an ISO 4217 code "
            "(such as USD or VND)."
        )
    return code


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    return next((i for i, name in enumerate(header) if name in names), None)


def _cell(row: Sequence[Any], index: int | None) -> Any:
    return row[index] if index is not None and index < len(row) else None


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
