"""Transforms the runner applies between a source and a destination (contracts/plugins.py)."""

from __future__ import annotations

from marketing_etl.plugins import Plugins
from marketing_etl.transforms.currency import convert_currency


def register(plugins: Plugins) -> None:
    plugins.transforms.add(convert_currency)
