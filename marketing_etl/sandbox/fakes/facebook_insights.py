"""The fake's insights engine: which rows a query has and what they sum to, grouped like Facebook.

A Query (one insights request, parsed by facebook_params.py) is checked the way Facebook refuses
requests (`query_problem()`: #100 for an unknown field, level or breakdown combination), then
`group()` sums the world's delivery per (date range, level object, breakdown bucket) — the data
model of a report. Turning a group into the JSON row Facebook sends is facebook_rows.py's part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marketing_etl.sandbox.fakes.facebook_delivery import BUCKETS, K, Stats, add, days
from marketing_etl.sandbox.fakes.facebook_world import FakeAd, World

HOURLY = "hourly_stats_aggregated_by_audience_time_zone"
OFF_META_BREAKDOWNS = frozenset({"region", "dma", HOURLY, "hourly_stats_aggregated_by_advertiser_time_zone"})
_OFF_META_KEYS = frozenset(
    K[name] for name in ("pixel_purchase", "pixel_purchase_value_cents", "lead", "lead_value_cents")
)
LEVELS = ("account", "campaign", "adset", "ad")
IDENTITY_FIELDS = frozenset(
    {
        "account_id",
        "account_name",
        "account_currency",
        "campaign_id",
        "campaign_name",
        "adset_id",
        "adset_name",
        "ad_id",
        "ad_name",
        "objective",
        "buying_type",
        "attribution_setting",
        "date_start",
        "date_stop",
    }
)
SCALARS = frozenset(
    {
        "impressions",
        "reach",
        "clicks",
        "inline_link_clicks",
        "unique_inline_link_clicks",
        "spend",
        "cpc",
        "cpm",
        "ctr",
        "frequency",
        "inline_link_click_ctr",
        "cost_per_unique_inline_link_click",
    }
)
VIDEO_LISTS = {
    "video_play_actions": "video_play",
    "video_p25_watched_actions": "video_p25",
    "video_p50_watched_actions": "video_p50",
    "video_p75_watched_actions": "video_p75",
    "video_p95_watched_actions": "video_p95",
    "video_p100_watched_actions": "video_p100",
    "video_30_sec_watched_actions": "video_30s",
    "video_thruplay_watched_actions": "video_thruplay",
}
LISTS = frozenset(
    {
        "actions",
        "action_values",
        "cost_per_action_type",
        "purchase_roas",
        "outbound_clicks",
        "unique_outbound_clicks",
        "outbound_clicks_ctr",
        "video_avg_time_watched_actions",
        "cost_per_thruplay",
        *VIDEO_LISTS,
    }
)
VALID_FIELDS = IDENTITY_FIELDS | SCALARS | LISTS


@dataclass(frozen=True)
class Query:
    level: str
    since: date
    until: date
    daily: bool
    breakdowns: tuple[str, ...]
    fields: tuple[str, ...]
    filters: tuple[tuple[str, str, Any], ...]


Key = tuple[str, str, str, tuple[str, ...]]  # (date_start, date_stop, level object id, bucket)


def query_problem(q: Query) -> str | None:
    """Facebook's #100 message for a request it refuses, else None."""
    bad = [f for f in q.fields if f not in VALID_FIELDS]
    if bad:
        return f"(#100) {', '.join(bad)} is not valid for fields param"
    if q.level not in LEVELS:
        return f"(#100) level must be one of {', '.join(LEVELS)}"
    if q.breakdowns not in BUCKETS:
        return f"(#100) breakdowns {','.join(q.breakdowns)} cannot be combined"
    if HOURLY in q.breakdowns and any(f.startswith("video_") or f == "cost_per_thruplay" for f in q.fields):
        return "(#100) video metrics are not available with hourly breakdowns"
    return None


def group(world: World, account_id: str, q: Query) -> dict[Key, Stats]:
    groups: dict[Key, Stats] = {}
    if HOURLY in q.breakdowns and account_id in world.needs_hourly_opt_in:
        return groups
    on_meta_only = bool(OFF_META_BREAKDOWNS & set(q.breakdowns))
    for ad in _ads(world, account_id, q.filters):
        object_id = _object_id(ad, q.level)
        for day in days(q.since, q.until):
            stamp = (str(day), str(day)) if q.daily else (str(q.since), str(q.until))
            for bucket in BUCKETS[q.breakdowns]:
                stats = world.stats(ad.id, day, bucket, q.breakdowns)
                if stats is not None and on_meta_only:
                    stats = _without_off_meta(stats)
                if stats is not None:
                    key = (*stamp, object_id, bucket)
                    groups[key] = add(groups.get(key), stats)
    if any(f == "spend" and op == "GREATER_THAN" for f, op, _ in q.filters):
        groups = {k: s for k, s in groups.items() if s[K["spend_cents"]] > 0}
    if account_id in world.totals_differ and _account_total(q):
        groups = {k: _more_spend(s) for k, s in groups.items()}
    return groups


def _account_total(q: Query) -> bool:
    return q.level == "account" and not q.breakdowns and not q.daily and not q.filters


def _more_spend(stats: Stats) -> Stats:
    at = K["spend_cents"]
    return [value + value // 20 if i == at else value for i, value in enumerate(stats)]


def _without_off_meta(stats: Stats) -> Stats:
    """With a region or hourly breakdown Facebook reports no off-Meta conversions (absent, which
    the rendering leaves out like any zero)."""
    return [0 if i in _OFF_META_KEYS else value for i, value in enumerate(stats)]


def _ads(world: World, account_id: str, filters: tuple[tuple[str, str, Any], ...]) -> list[FakeAd]:
    ads = world.accounts[account_id].ads
    statuses: set[str] | None = {"ACTIVE"} if filters else None  # Facebook's default with filtering
    for field, op, value in filters:
        if field.endswith(".effective_status") and op == "IN":
            statuses = set(value)
        if field == "campaign.id" and op == "IN":
            ads = [ad for ad in ads if ad.campaign_id in set(value)]
    return [ad for ad in ads if statuses is None or ad.effective_status in statuses]


def _object_id(ad: FakeAd, level: str) -> str:
    return {"account": ad.account_id, "campaign": ad.campaign_id, "adset": ad.adset_id, "ad": ad.id}[level]


def ordered_groups(world: World, account_id: str, q: Query) -> list[tuple[Key, Stats]]:
    """The groups in Facebook-like order: by object, then date (not the report's order)."""
    groups = group(world, account_id, q)
    return sorted(groups.items(), key=lambda item: (item[0][2], item[0][0], item[0][3]))
