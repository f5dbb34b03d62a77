"""Acme Ads daily reports (task type `acme_daily`, also accepted as `acme`), as a plugin package.

Its one setting, the API's base URL, is its own environment variable, read when the plugin
registers (at start, like every setting): ACME_API_URL, the real API by default.
"""

from __future__ import annotations

import os

from marketing_etl.plugins import Plugins

from .source import DEFAULT_API_URL, AcmeSource

__all__ = ["AcmeSource", "register"]


def register(plugins: Plugins) -> None:
    plugins.sources.register(AcmeSource(os.environ.get("ACME_API_URL", DEFAULT_API_URL)))
