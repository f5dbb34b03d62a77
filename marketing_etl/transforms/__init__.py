"""Transforms the runner applies between a source and a destination (see plugins.Transform)."""

from __future__ import annotations

from marketing_etl.plugins import Plugins
from marketing_etl.transforms.currency import convert_currency


def register(plugins: Plugins) -> None:
    plugins.transforms.append(convert_currency)
