"""The currency transform: the config tab's multipliers and per-day conversion, streamed.

Per row: an account listed in the spreadsheet's `[CONFIG] Currency Exchange` tab is multiplied
by its multiplier (and takes the tab's Target Currency, else `target_currency`); any other row
is converted into `target_currency` at the rate of its day: a rate the request pinned
(`fx_rates`), else the cache, the rates API or the ECB history (see `marketing_etl.fx`). Rows
adding up a period use the rate of the period's last day. When the job has a `target_currency`, the
columns fx_rate, fx_rate_date and fx_source say which rate each row got. Which columns hold a
row's account, day and currency, the report's description says (see `money_layout`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.contracts.report import Report
from marketing_etl.fx.http_api import FxApiClient
from marketing_etl.fx.providers import EcbRates, FxApiRates, RateProvider
from marketing_etl.fx.resolver import RateResolver
from marketing_etl.transforms.config_tab import TAB_TITLE, Multiplier, read_config_tab
from marketing_etl.transforms.money_layout import MoneyLayout
from marketing_etl.transforms.row_money import RowConverter


def convert_currency(ctx: JobContext, report: Report) -> Report:
    tab = read_config_tab(ctx)
    target = ctx.spec.target_currency
    if not tab and target is None:
        return report
    layout = MoneyLayout(report)
    _check_layout(layout, tab, target)
    client = FxApiClient(ctx, ctx.settings.fx_api_url, ctx.settings.fx_api_fallback_url) if target else None
    resolver = None
    if client is not None:
        providers: list[RateProvider] = [FxApiRates(client), EcbRates()]
        resolver = RateResolver(ctx.spec.pinned_rates, ctx.fx_rates, providers, ctx.now())
        ctx.log(f"Converting money to {target} at the rate of each row's day")
    converter = RowConverter(layout, tab, target, resolver)
    columns = [*report.columns, *converter.fx_columns]
    return Report(columns, _stream(ctx, report.rows, converter, client), report.description)


def _check_layout(layout: MoneyLayout, tab: dict[str, Multiplier], target: str | None) -> None:
    """Fail before any row is fetched when the report lacks what the conversion needs."""
    if tab and (not layout.accounts or layout.accounts & tab.keys()):
        layout.require_accounts(f"Applying the {TAB_TITLE} tab")
    if target:
        why = f"Converting to {target}"
        layout.require_currencies(why)
        layout.require_dates(why)


def _stream(
    ctx: JobContext, rows: Iterable[Sequence[Any]], converter: RowConverter, client: FxApiClient | None
) -> Iterator[list[Any]]:
    try:
        for row in rows:
            yield converter.convert(row)
    finally:
        if client is not None:
            client.close()
    if converter.sources:
        counts = ", ".join(f"{source} {n}" for source, n in sorted(converter.sources.items()))
        ctx.log(f"Currency: rows by rate source: {counts}")
