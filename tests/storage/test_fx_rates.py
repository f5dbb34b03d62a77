"""Contract: the exchange-rate cache keeps exact rates, keyed by (day, base, quote), first
answer wins."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from marketing_etl.contracts.fx_rates import CachedRate
from marketing_etl.contracts.store import Store
from tests.storage.factory import T0

SATURDAY, FRIDAY = date(2024, 3, 9), date(2024, 3, 8)


def rate(day: date, value: str, *, quote: str = "VND", source: str = "fx-api") -> CachedRate:
    return CachedRate(day, "USD", quote, Decimal(value), FRIDAY, source, T0)


def test_put_then_get_keeps_every_field_exactly(store: Store) -> None:
    cache = store.fx_rates
    entry = rate(SATURDAY, "24650.123456789012345")
    cache.put([entry])
    assert cache.get(SATURDAY, "USD", "VND") == entry
    assert cache.get(FRIDAY, "USD", "VND") is None
    assert cache.get(SATURDAY, "VND", "USD") is None
    assert cache.get(SATURDAY, "USD", "EUR") is None


def test_the_first_answer_for_a_key_stays(store: Store) -> None:
    cache = store.fx_rates
    cache.put([rate(SATURDAY, "24650.5")])
    cache.put([rate(SATURDAY, "99999", source="ecb"), rate(FRIDAY, "24600")])
    got = cache.get(SATURDAY, "USD", "VND")
    assert got is not None and (got.rate, got.source) == (Decimal("24650.5"), "fx-api")
    friday = cache.get(FRIDAY, "USD", "VND")
    assert friday is not None and friday.rate == Decimal("24600")


def test_many_pairs_and_days_in_one_put(store: Store) -> None:
    cache = store.fx_rates
    days = [SATURDAY - timedelta(days=n) for n in range(5)]
    cache.put([rate(d, str(24_000 + n), quote=q) for n, d in enumerate(days) for q in ("VND", "JPY")])
    cache.put([])
    for n, day in enumerate(days):
        for quote in ("VND", "JPY"):
            got = cache.get(day, "USD", quote)
            assert got is not None and got.rate == Decimal(24_000 + n)
