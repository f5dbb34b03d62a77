"""Friendly metric names ("Purchases", "Chi phí / ThruPlay", ...) and where Facebook reports them.

One table, with the original's semantics: a metric reads exactly one action type from one list
field of the insights row (or one scalar field), a missing entry is 0, and the synonyms of a
conversion (purchase, omni_purchase, offsite_conversion.fb_pixel_purchase, ...) are never added
together: Facebook reports the same conversion under each of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Metric:
    source: str  # the insights field that holds the value
    action_type: str | None  # the entry of that list field; None for a scalar field
    kind: str  # integer, money, ratio or percent


def _count(source: str, action_type: str) -> Metric:
    return Metric(source, action_type, "integer")


def _cost(action_type: str) -> Metric:
    return Metric("cost_per_action_type", action_type, "money")


def _action(action_type: str) -> Metric:
    return _count("actions", action_type)


def _video(source: str) -> Metric:
    return _count(source, "video_view")


_MESSAGING = "onsite_conversion.messaging_conversation_started_7d"
_FIRST_REPLY = "onsite_conversion.messaging_first_reply"

FRIENDLY_METRICS: dict[str, Metric] = {
    "Purchases": _action("omni_purchase"),
    "Cost Purchases": _cost("omni_purchase"),
    "Purchase Value": Metric("action_values", "omni_purchase", "money"),
    "Purchase ROAS": Metric("purchase_roas", "omni_purchase", "ratio"),
    "Website Purchases": _action("offsite_conversion.fb_pixel_purchase"),
    "On-Facebook Purchases": _action("onsite_conversion.purchase"),
    "Leads": _action("lead"),
    "Cost Leads": _cost("lead"),
    "Leads Conversion Value": Metric("action_values", "lead", "money"),
    "New Messaging Connections": _action(_MESSAGING),
    "Cost per New Messaging": _cost(_MESSAGING),
    "New Messaging Connections (N)": _action(_FIRST_REPLY),
    "Cost per New Messaging (N)": _cost(_FIRST_REPLY),
    "Messaging conversations started": _action(_MESSAGING),
    "Cost per messaging conversation started": _cost(_MESSAGING),
    "New messaging contacts": _action(_FIRST_REPLY),
    "Post comments": _action("comment"),
    "Cost per post comment": _cost("comment"),
    "Link clicks": _action("link_click"),
    "Cost per unique link click": Metric("cost_per_unique_inline_link_click", None, "money"),
    "Landing page views": _action("landing_page_view"),
    "Cost per landing page view": _cost("landing_page_view"),
    "Adds to cart": _action("omni_add_to_cart"),
    "Cost per add to cart": _cost("omni_add_to_cart"),
    "Checkouts Initiated": _action("omni_initiated_checkout"),
    "Cost per checkout initiated": _cost("omni_initiated_checkout"),
    "Hoàn tất đăng ký": _action("complete_registration"),
    "Chi phí / Hoàn tất đăng ký": _cost("complete_registration"),
    "ThruPlay": _video("video_thruplay_watched_actions"),
    "Chi phí / ThruPlay": Metric("cost_per_thruplay", "video_view", "money"),
    "Video ThruPlay": _video("video_thruplay_watched_actions"),
    "Page Likes": _action("like"),
    "Cost Page Likes": _cost("like"),
    "Page Follows": _action("page_follow"),
    "Cost Page Follows": _cost("page_follow"),
    "Video Views (3s)": _action("video_view"),
    "Video Views (10s)": _action("video_view_10s"),
    "Video Views (30s)": _video("video_30_sec_watched_actions"),
    "Video Views (25%)": _video("video_p25_watched_actions"),
    "Video Views (50%)": _video("video_p50_watched_actions"),
    "Video Views (75%)": _video("video_p75_watched_actions"),
    "Video Views (95%)": _video("video_p95_watched_actions"),
    "Video Views (100%)": _video("video_p100_watched_actions"),
    "Video Plays": _video("video_play_actions"),
    "Avg Time Watched": Metric("video_avg_time_watched_actions", "video_view", "ratio"),
    "Inline link clicks": Metric("inline_link_clicks", None, "integer"),
    "Unique inline link clicks": Metric("unique_inline_link_clicks", None, "integer"),
    "Inline link CTR": Metric("inline_link_click_ctr", None, "percent"),
    # The original extracted these and then deleted them with the raw list fields (its bug 2).
    "outbound_clicks": _count("outbound_clicks", "outbound_click"),
    "unique_outbound_clicks": _count("unique_outbound_clicks", "outbound_click"),
    "outbound_click_ctr": Metric("outbound_clicks_ctr", "outbound_click", "percent"),
    # Facebook reports saves as onsite_conversion.post_save; the original's "post_save" never matched.
    "Post saves": _action("onsite_conversion.post_save"),
    "Post shares": _action("post"),
    "Photo views": _action("photo_view"),
    "Post engagements": _action("post_engagement"),
    # The Ad Creative Daily Report offers the singular name, which the original never mapped (bug 3).
    "Post engagement": _action("post_engagement"),
    "Post reactions": _action("post_reaction"),
}


def metric_value(row: Mapping[str, Any], metric: Metric) -> float:
    """The metric's number in one insights row; 0 when Facebook left it out."""
    raw = row.get(metric.source)
    if metric.action_type is None:
        return _number(raw)
    if type(raw) is not list:
        return 0.0
    for entry in raw:
        if type(entry) is dict and entry.get("action_type") == metric.action_type:
            return _number(entry.get("value"))
    return 0.0


def _number(raw: object) -> float:
    if raw is None or raw == "":
        return 0.0
    if isinstance(raw, int | float):
        return float(raw)
    return float(str(raw))
