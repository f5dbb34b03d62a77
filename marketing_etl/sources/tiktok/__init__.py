"""TikTok GMV Max product and creative reports (task types `product` and `creative`)."""

from __future__ import annotations

from marketing_etl.plugins import Plugins
from marketing_etl.sources.tiktok.source import TikTokReportSource

__all__ = ["TikTokReportSource", "register"]


def register(plugins: Plugins) -> None:
    for task in ("product", "creative"):
        plugins.sources.register(TikTokReportSource(task))
