"""What every report cell must be, computed from the fake world's raw counters.

Written independently of the source: its own formula per column (costs as Facebook computes them,
synonyms never summed, missing = 0), the report's row semantics (daily templates keep only rows
with spend > 0 and include ads of every status), and the report's order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from marketing_etl.sandbox.fakes.facebook_delivery import K, Stats
from marketing_etl.sandbox.fakes.facebook_insights import Query, group
from marketing_etl.sandbox.fakes.facebook_world import FakeAd, FakeAdSet, FakeCampaign, World
from marketing_etl.sources.facebook.catalog import Template

ALL_STATUSES = [
    "ACTIVE",
    "ADSET_PAUSED",
    "ARCHIVED",
    "CAMPAIGN_PAUSED",
    "DELETED",
    "DISAPPROVED",
    "IN_PROCESS",
    "PAUSED",
    "PENDING_BILLING_INFO",
    "PENDING_REVIEW",
    "PREAPPROVED",
    "WITH_ISSUES",
]
WHOLE_UNIT = {"VND"}


def r6(value: float) -> float:
    """Facebook sends computed metrics with 6 decimals."""
    return float(f"{value:.6f}")


def _per(numerator: float, denominator: float, scale: float = 1.0) -> float:
    return r6(numerator / denominator * scale) if numerator and denominator else 0.0


def _pct(numerator: float, denominator: float) -> float:
    """Facebook sends percentage points; a report's percent cells hold the fraction."""
    return _per(numerator, denominator, 100) / 100


def _c(name: str) -> Callable[[Stats], int]:
    return lambda s: s[K[name]]


def _spend(s: Stats) -> float:
    return s[K["spend_cents"]] / 100


def _cost(count: Callable[[Stats], int]) -> Callable[[Stats], float]:
    return lambda s: _per(_spend(s), count(s))


def _purchases(s: Stats) -> int:
    return s[K["pixel_purchase"]] + s[K["onsite_purchase"]]


def _purchase_value(s: Stats) -> float:
    return (s[K["pixel_purchase_value_cents"]] + s[K["onsite_purchase_value_cents"]]) / 100


def _engagements(s: Stats) -> int:
    return sum(s[K[n]] for n in ("inline_link_clicks", "comment", "post_reaction", "post", "post_save"))


def _avg_watch(s: Stats) -> float:
    plays = s[K["video_play"]]
    return float(f"{s[K['video_watch_ms']] / 1000 / plays:.2f}") if plays else 0.0


METRICS: dict[str, Callable[[Stats], Any]] = {
    "spend": _spend,
    "impressions": _c("impressions"),
    "reach": _c("reach"),
    "clicks": _c("clicks"),
    "inline_link_clicks": _c("inline_link_clicks"),
    "cpc": lambda s: _per(_spend(s), s[K["clicks"]]),
    "cpm": lambda s: _per(_spend(s), s[K["impressions"]], 1000),
    "ctr": lambda s: _pct(s[K["clicks"]], s[K["impressions"]]),
    "frequency": lambda s: _per(s[K["impressions"]], s[K["reach"]]),
    "inline_link_click_ctr": lambda s: _pct(s[K["inline_link_clicks"]], s[K["impressions"]]),
    "Purchases": _purchases,
    "Cost Purchases": _cost(_purchases),
    "Purchase Value": _purchase_value,
    "Purchase ROAS": lambda s: _per(_purchase_value(s), _spend(s)),
    "Website Purchases": _c("pixel_purchase"),
    "On-Facebook Purchases": _c("onsite_purchase"),
    "Leads": _c("lead"),
    "Cost Leads": _cost(_c("lead")),
    "Leads Conversion Value": lambda s: s[K["lead_value_cents"]] / 100,
    "New Messaging Connections": _c("messaging_started"),
    "Cost per New Messaging": _cost(_c("messaging_started")),
    "New Messaging Connections (N)": _c("first_reply"),
    "Cost per New Messaging (N)": _cost(_c("first_reply")),
    "Messaging conversations started": _c("messaging_started"),
    "Cost per messaging conversation started": _cost(_c("messaging_started")),
    "New messaging contacts": _c("first_reply"),
    "Post comments": _c("comment"),
    "Link clicks": _c("inline_link_clicks"),
    "Cost per unique link click": lambda s: _per(_spend(s), s[K["unique_inline_link_clicks"]]),
    "Landing page views": _c("landing_page_view"),
    "Cost per landing page view": _cost(_c("landing_page_view")),
    "Adds to cart": _c("omni_add_to_cart"),
    "Cost per add to cart": _cost(_c("omni_add_to_cart")),
    "Checkouts Initiated": _c("omni_initiated_checkout"),
    "Cost per checkout initiated": _cost(_c("omni_initiated_checkout")),
    "Hoàn tất đăng ký": _c("complete_registration"),
    "Chi phí / Hoàn tất đăng ký": _cost(_c("complete_registration")),
    "ThruPlay": _c("video_thruplay"),
    "Chi phí / ThruPlay": _cost(_c("video_thruplay")),
    "Page Likes": _c("like"),
    "Cost Page Likes": _cost(_c("like")),
    "Video Views (3s)": _c("video_view"),
    "Video Views (30s)": _c("video_30s"),
    "Video Views (25%)": _c("video_p25"),
    "Video Views (50%)": _c("video_p50"),
    "Video Views (75%)": _c("video_p75"),
    "Video Views (95%)": _c("video_p95"),
    "Video Views (100%)": _c("video_p100"),
    "Video Plays": _c("video_play"),
    "Avg Time Watched": _avg_watch,
    "outbound_clicks": _c("outbound_clicks"),
    "outbound_click_ctr": lambda s: _pct(s[K["outbound_clicks"]], s[K["impressions"]]),
    "Post saves": _c("post_save"),
    "Post shares": _c("post"),
    "Photo views": _c("photo_view"),
    "Post engagements": _engagements,
    "Post engagement": _engagements,
    "Post reactions": _c("post_reaction"),
}
BREAKDOWN_FIELDS = {"hour_of_day": "hourly_stats_aggregated_by_audience_time_zone"}


def expected_table(
    world: World,
    template: Template,
    fields: list[str],
    accounts: list[dict[str, str]],
    since: date,
    until: date,
) -> list[list[Any]]:
    rows: list[tuple[Any, list[Any]]] = []
    filters: tuple[tuple[str, str, Any], ...] = ()
    if template.spend_filter:
        filters = (("spend", "GREATER_THAN", "0"), ("ad.effective_status", "IN", ALL_STATUSES))
    for index, account in enumerate(accounts):
        numeric = account["id"].removeprefix("act_")
        query = Query(
            template.level, since, until, template.time_increment == 1, template.breakdowns, (), filters
        )
        for key, stats in group(world, numeric, query).items():
            cells = [_cell(world, template, field, account, key, stats) for field in fields]
            rows.append(((key[0], index, len(key[2]), key[2], key[3]), cells))
    rows.sort(key=lambda item: item[0])
    return [list(fields), *[cells for _, cells in rows]]


def _cell(world: World, template: Template, field: str, account: dict[str, str], key: Any, s: Stats) -> Any:
    if field in METRICS:
        return METRICS[field](s)
    if field in ("account_id", "account_name"):
        return account[field.removeprefix("account_")]
    if field in ("date_start", "date_stop"):
        return date.fromisoformat(key[0 if field == "date_start" else 1])
    breakdown = BREAKDOWN_FIELDS.get(field, field)
    if breakdown in template.breakdowns:
        return key[3][template.breakdowns.index(breakdown)]
    return _object_cell(world, template, field, account, world.objects.get(key[2]))


def _object_cell(world: World, template: Template, field: str, account: dict[str, str], item: Any) -> Any:
    currency = world.accounts[account["id"].removeprefix("act_")].currency
    if field == "account_currency":
        return currency
    if field == "attribution_setting":
        return _attribution(world, account["id"].removeprefix("act_"), item)
    ad = item if isinstance(item, FakeAd) else None
    adset = world.objects[ad.adset_id] if ad else item if isinstance(item, FakeAdSet) else None
    campaign_id = getattr(item, "campaign_id", None)
    campaign = world.objects[campaign_id] if campaign_id else item
    assert isinstance(campaign, FakeCampaign)
    if field in ("id", "name"):
        return getattr(item, field)
    if field in ("campaign_id", "campaign_name", "objective", "buying_type"):
        return getattr(campaign, field.removeprefix("campaign_"))
    if field in ("adset_id", "adset_name"):
        return getattr(adset, field.removeprefix("adset_"))
    if field == "ad_name":
        assert ad is not None, "ad_name only exists at ad level"
        return ad.name
    if field in ("status", "effective_status", "bid_strategy"):
        return getattr(item, field)
    if field in ("created_time", "updated_time", "start_time", "stop_time"):
        raw = getattr(item, field)
        return datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S%z") if raw else None
    divisor = 1 if currency in WHOLE_UNIT else 100
    if field in ("daily_budget", "lifetime_budget", "budget_remaining"):
        raw = getattr(item, field)
        return int(raw) / divisor if raw else None
    assert isinstance(adset, FakeAdSet)
    if field == "adset_bid_strategy":
        return adset.bid_strategy
    if field == "adset_bid_amount":
        return int(adset.bid_amount or adset.daily_budget or adset.lifetime_budget or 0) / divisor
    return _creative_cell(world, field, ad)


def _attribution(world: World, account_id: str, item: Any) -> str:
    """The ad set setting the row's conversions follow; empty when the row mixes settings."""
    if isinstance(item, FakeAd):
        item = world.objects[item.adset_id]
    adsets = world.accounts[account_id].adsets
    if isinstance(item, FakeAdSet):
        adsets = [item]
    elif isinstance(item, FakeCampaign):
        adsets = [adset for adset in adsets if adset.campaign_id == item.id]
    settings = {adset.attribution_setting for adset in adsets}
    return settings.pop() if len(settings) == 1 else ""


def _creative_cell(world: World, field: str, ad: FakeAd | None) -> Any:
    assert ad is not None
    creative = ad.creative
    thumbnail = creative.thumbnail_url or creative.image_url or ""
    story = creative.object_story_id or f"{creative.actor_id}_{creative.id}"
    page = world.objects[creative.actor_id]
    return {
        "creative_id": creative.id,
        "creative_name": creative.name,
        "creative_title": creative.title,
        "creative_body": creative.body,
        "actor_id": creative.actor_id,
        "page_name": page.name,
        "creative_thumbnail_raw_url": thumbnail,
        "creative_thumbnail_url": '=IMAGE("' + thumbnail.replace('"', '""') + '")',
        "creative_link": f"https://facebook.com/{story}",
    }[field]
