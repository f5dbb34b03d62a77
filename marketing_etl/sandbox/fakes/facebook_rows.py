"""The fake's insights rows: render a group of delivery the way Facebook sends it.

`render()` turns a group (facebook_insights.group) into the JSON row Facebook would send: every
scalar a string, zero metrics left out, action lists with all the synonyms of a conversion (equal
values), costs and ROAS computed by "Facebook", identity fields read from the world. Only the
requested fields are computed.
"""

from __future__ import annotations

import functools
from typing import Any

from marketing_etl.sandbox.fakes.facebook_delivery import K, Stats
from marketing_etl.sandbox.fakes.facebook_insights import IDENTITY_FIELDS, VIDEO_LISTS, Key, Query
from marketing_etl.sandbox.fakes.facebook_world import FakeAd, FakeAdSet, FakeCampaign, World


def render(world: World, account_id: str, q: Query, key: Key, s: Stats) -> dict[str, Any]:
    """Only the requested fields are computed: the fake must answer as fast as it can."""
    row: dict[str, Any] = dict(zip(q.breakdowns, key[3], strict=True))
    wanted = set(q.fields)
    identity = {**_identity(world, account_id, q.level, key[2]), "date_start": key[0], "date_stop": key[1]}
    metrics = _metrics(s, wanted)
    for name in q.fields:
        value = identity.get(name) if name in IDENTITY_FIELDS else metrics.get(name)
        if value not in (None, []):
            row[name] = value
    return row


@functools.lru_cache(maxsize=4096)
def _identity(world: World, account_id: str, level: str, object_id: str) -> dict[str, Any]:
    account = world.accounts[account_id]
    found: dict[str, Any] = {
        "account_id": account.id,
        "account_name": account.name,
        "account_currency": account.currency,
    }
    item = world.objects.get(object_id)
    chain = {"campaign": 1, "adset": 2, "ad": 3}.get(level, 0)
    settings = {adset.attribution_setting for adset in _adsets_of(world, account.adsets, item)}
    if len(settings) == 1:  # a row mixing ad sets of different settings states none (key left out)
        found["attribution_setting"] = settings.pop()
    if chain >= 3 and isinstance(item, FakeAd):
        found.update(ad_id=item.id, ad_name=item.name)
        item = world.objects[item.adset_id]
    if chain >= 2:
        assert isinstance(item, FakeAdSet)
        found.update(adset_id=item.id, adset_name=item.name)
        item = world.objects[item.campaign_id]
    if chain >= 1:
        assert isinstance(item, FakeCampaign)
        found.update(
            campaign_id=item.id,
            campaign_name=item.name,
            objective=item.objective,
            buying_type=item.buying_type,
        )
    return found


def _adsets_of(world: World, adsets: list[FakeAdSet], item: object) -> list[FakeAdSet]:
    """The ad sets whose delivery a row of `item` (an ad, ad set, campaign; None: the account) sums."""
    if isinstance(item, FakeAd):
        item = world.objects[item.adset_id]
    if isinstance(item, FakeAdSet):
        return [item]
    if isinstance(item, FakeCampaign):
        return [adset for adset in adsets if adset.campaign_id == item.id]
    return adsets


def _dec(value: float, places: int = 6) -> str:
    return f"{value:.{places}f}"


def _entry(action_type: str, value: str) -> dict[str, str]:
    return {"action_type": action_type, "value": value}


def action_counts(s: Stats) -> dict[str, int]:
    """Every action type Facebook would list, synonyms included (same value, never to be summed)."""
    omni = s[K["pixel_purchase"]] + s[K["onsite_purchase"]]
    link = s[K["inline_link_clicks"]]
    engagement = link + s[K["comment"]] + s[K["post_reaction"]] + s[K["post"]] + s[K["post_save"]]
    counts = {
        "link_click": link,
        "landing_page_view": s[K["landing_page_view"]],
        "omni_landing_page_view": s[K["landing_page_view"]],
        "video_view": s[K["video_view"]],
        "video_view_10s": s[K["video_view_10s"]],
        "add_to_cart": s[K["omni_add_to_cart"]],
        "omni_add_to_cart": s[K["omni_add_to_cart"]],
        "initiate_checkout": s[K["omni_initiated_checkout"]],
        "omni_initiated_checkout": s[K["omni_initiated_checkout"]],
        "purchase": omni,
        "omni_purchase": omni,
        "offsite_conversion.fb_pixel_purchase": s[K["pixel_purchase"]],
        "onsite_web_purchase": s[K["pixel_purchase"]],
        "onsite_conversion.purchase": s[K["onsite_purchase"]],
        "lead": s[K["lead"]],
        "onsite_conversion.messaging_conversation_started_7d": s[K["messaging_started"]],
        "onsite_conversion.messaging_first_reply": s[K["first_reply"]],
        "onsite_conversion.total_messaging_connection": s[K["messaging_started"]] + 1,
        "comment": s[K["comment"]],
        "complete_registration": s[K["complete_registration"]],
        "like": s[K["like"]],
        "page_follow": s[K["page_follow"]],
        "onsite_conversion.post_save": s[K["post_save"]],
        "post": s[K["post"]],
        "photo_view": s[K["photo_view"]],
        "post_reaction": s[K["post_reaction"]],
        "post_engagement": engagement,
        "page_engagement": engagement + s[K["like"]],
    }
    return {t: n for t, n in counts.items() if n > 0}


def action_values_cents(s: Stats) -> dict[str, int]:
    omni = s[K["pixel_purchase_value_cents"]] + s[K["onsite_purchase_value_cents"]]
    values = {
        "omni_purchase": omni,
        "purchase": omni,
        "offsite_conversion.fb_pixel_purchase": s[K["pixel_purchase_value_cents"]],
        "onsite_conversion.purchase": s[K["onsite_purchase_value_cents"]],
        "lead": s[K["lead_value_cents"]],
    }
    return {t: v for t, v in values.items() if v > 0}


def _metrics(s: Stats, wanted: set[str]) -> dict[str, Any]:
    spend = s[K["spend_cents"]] / 100
    impressions, clicks, reach = s[K["impressions"]], s[K["clicks"]], s[K["reach"]]
    unique_inline, outbound = s[K["unique_inline_link_clicks"]], s[K["outbound_clicks"]]
    counts = action_counts(s) if wanted & {"actions", "cost_per_action_type"} else {}
    values = action_values_cents(s) if wanted & {"action_values", "purchase_roas"} else {}
    out: dict[str, Any] = {
        name: str(s[K[name]])
        for name in ("impressions", "reach", "clicks", "inline_link_clicks", "unique_inline_link_clicks")
        if s[K[name]]
    }
    if spend:
        out["spend"] = _dec(spend, 2)
    if clicks:
        out["cpc"] = _dec(spend / clicks)
    if impressions:
        out.update(cpm=_dec(spend / impressions * 1000), ctr=_dec(clicks / impressions * 100))
        out["inline_link_click_ctr"] = _dec(s[K["inline_link_clicks"]] / impressions * 100)
        if outbound:
            out["outbound_clicks_ctr"] = [_entry("outbound_click", _dec(outbound / impressions * 100))]
    if reach:
        out["frequency"] = _dec(impressions / reach)
    if unique_inline and spend:
        out["cost_per_unique_inline_link_click"] = _dec(spend / unique_inline)
    out["actions"] = [_entry(t, str(n)) for t, n in counts.items()]
    out["action_values"] = [_entry(t, _dec(v / 100, 2)) for t, v in values.items()]
    if spend:
        out["cost_per_action_type"] = [_entry(t, _dec(spend / n)) for t, n in counts.items()]
        if "omni_purchase" in values:
            out["purchase_roas"] = [_entry("omni_purchase", _dec(values["omni_purchase"] / 100 / spend))]
        if s[K["video_thruplay"]]:
            out["cost_per_thruplay"] = [_entry("video_view", _dec(spend / s[K["video_thruplay"]]))]
    if outbound:
        out["outbound_clicks"] = [_entry("outbound_click", str(outbound))]
        out["unique_outbound_clicks"] = [_entry("outbound_click", str(s[K["unique_outbound_clicks"]]))]
    for field, key in VIDEO_LISTS.items():
        if s[K[key]]:
            out[field] = [_entry("video_view", str(s[K[key]]))]
    if s[K["video_play"]]:
        average = s[K["video_watch_ms"]] / 1000 / s[K["video_play"]]
        out["video_avg_time_watched_actions"] = [_entry("video_view", _dec(average, 2))]
    return out
