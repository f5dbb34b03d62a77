"""Decimal money: exact reading of float cells, rounding to each currency's units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketing_etl.fx.currencies import round_amount
from marketing_etl.transforms.money import scaled, to_decimal


@pytest.mark.parametrize(
    ("currency", "amount", "expected"),
    [
        ("VND", "296286.5", 296_287),
        ("JPY", "1499.49", 1_499),
        ("KRW", "0.5", 1),
        ("IDR", "15999.5", 16_000),
        ("USD", "2.675", Decimal("2.68")),  # half up, where binary 2.675 would round down
        ("EUR", "0.005", Decimal("0.01")),
        (None, "5.005", Decimal("5.01")),
    ],
)
def test_round_amount_to_the_currencys_units(currency: str | None, amount: str, expected: object) -> None:
    result = round_amount(Decimal(amount), currency)
    assert result == expected and type(result) is type(expected)


def test_float_cells_are_read_by_their_shortest_text() -> None:
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(12) == Decimal(12)
    assert to_decimal("1,234.5") == Decimal("1234.5")
    assert [to_decimal(v) for v in (None, "", "n/a", True, float("nan"))] == [None] * 5


def test_scaled_keeps_empty_and_text_cells() -> None:
    assert scaled(0.1, Decimal(3), "USD") == Decimal("0.30")  # 0.1 * 3 in floats is 0.30000000000000004
    assert scaled(None, Decimal(3), "USD") is None
    assert scaled("-", Decimal(3), "USD") == "-"
