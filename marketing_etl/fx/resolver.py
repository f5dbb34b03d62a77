"""The rate for a currency pair on a day, with where it came from, in the order documented in
`marketing_etl.fx`: pinned, cache, then the providers, searching back over days without rates. A
currency the euro has replaced goes through EUR at its fixed rate from the changeover day on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from marketing_etl.contracts.fx_rates import CachedRate, RateCache
from marketing_etl.errors import UserError
from marketing_etl.fx.euro_changeover import EURO, changeover_on
from marketing_etl.fx.providers import Found, ProviderUnavailable, RateProvider

MAX_FALLBACK_DAYS = 7
# A fallback for a day this recent may be superseded once the day's own rate is published;
# caching it would freeze the stand-in.
UNSETTLED_DAYS = 2
PINNED = "pinned"
SAME_CURRENCY = "same-currency"


@dataclass(frozen=True)
class Rate:
    rate: Decimal
    rate_date: date | None  # None for pinned rates and same-currency, which have no date
    source: str


class RateNotFound(UserError):
    pass


class RateResolver:
    def __init__(
        self,
        pinned: Mapping[tuple[str, str], Decimal],
        cache: RateCache,
        providers: Sequence[RateProvider],
        now: datetime,
    ) -> None:
        self._pinned = dict(pinned)
        self._cache = cache
        self._providers = list(providers)
        self._unavailable: dict[str, str] = {}  # provider name -> why
        self._now = now
        self._known: dict[tuple[date, str, str], Rate] = {}

    def rate(self, day: date, base: str, quote: str) -> Rate:
        if base == quote:
            return Rate(Decimal(1), None, SAME_CURRENCY)
        pinned = self._pinned_rate(base, quote)
        if pinned is not None:
            return pinned
        through_euro = self._through_euro(day, base, quote)
        if through_euro is not None:
            return through_euro
        key = (day, base, quote)
        if key not in self._known:
            self._known[key] = self._resolve(day, base, quote)
        return self._known[key]

    def _pinned_rate(self, base: str, quote: str) -> Rate | None:
        if (base, quote) in self._pinned:
            return Rate(self._pinned[(base, quote)], None, PINNED)
        if (quote, base) in self._pinned:  # a budget rate USD/VND also converts VND to USD
            return Rate(Decimal(1) / self._pinned[(quote, base)], None, PINNED)
        return None

    def _through_euro(self, day: date, base: str, quote: str) -> Rate | None:
        """BGN -> USD after the changeover: EUR -> USD / 1.95583; USD -> BGN: USD -> EUR x 1.95583."""
        sold, bought = changeover_on(day, base), changeover_on(day, quote)
        if sold is None and bought is None:
            return None
        factor = Decimal(1)
        sources = []
        if sold is not None:
            factor /= sold.per_euro
            sources.append(sold.source)
        if bought is not None:
            factor *= bought.per_euro
            sources.append(bought.source)
        euro_rate = self.rate(day, EURO if sold else base, EURO if bought else quote)
        if euro_rate.source != SAME_CURRENCY:
            sources.insert(0, euro_rate.source)
        return Rate(euro_rate.rate * factor, euro_rate.rate_date, " + ".join(sources))

    def _resolve(self, day: date, base: str, quote: str) -> Rate:
        cached = self._cache.get(day, base, quote)
        if cached is not None:
            return Rate(cached.rate, cached.rate_date, cached.source)
        found = self._search(day, base, quote)
        if self._settled(day, found):
            self._cache.put(
                [CachedRate(day, base, quote, found.rate, found.rate_date, found.source, self._now)]
            )
        return Rate(found.rate, found.rate_date, found.source)

    def _search(self, day: date, base: str, quote: str) -> Found:
        for back in range(MAX_FALLBACK_DAYS + 1):
            for provider in self._providers:
                if provider.name in self._unavailable:
                    continue
                try:
                    found = provider.find(day - timedelta(days=back), base, quote)
                except ProviderUnavailable as exc:
                    self._unavailable[provider.name] = str(exc)
                    continue
                if found is not None:
                    return found
        raise RateNotFound(self._missing_message(day, base, quote))

    def _settled(self, day: date, found: Found) -> bool:
        return found.rate_date == day or day < self._now.date() - timedelta(days=UNSETTLED_DAYS)

    def _missing_message(self, day: date, base: str, quote: str) -> str:
        asked = [p.name for p in self._providers if p.name not in self._unavailable]
        message = (
            f"No {base}/{quote} exchange rate for {day} or the {MAX_FALLBACK_DAYS} days before it"
        )
        if asked:
            message += f" ({' and '.join(asked)} have none)"
        for name, why in self._unavailable.items():
            message += f"; {name} could not be reached ({why})"
        return (
            f"{message}. Send fx_rates {{\"{base}/{quote}\": <rate>}} to pin a rate, "
            "or choose another target_currency."
        )
