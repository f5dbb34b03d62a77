"""Facebook Ads reports (task types facebook_daily, facebook_performance, facebook_breakdown).

catalog (templates as data) -> plan (columns, the insights request) -> fetch (accounts in
parallel) -> insights (sync/async, splitting) -> client (HTTP, retries, usage) -> rows (typing).
"""

from marketing_etl.sources.facebook.source import FacebookSource, register

__all__ = ["FacebookSource", "register"]
