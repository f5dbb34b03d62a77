"""The 17 Facebook report templates as data: level, breakdowns, time increment, field groups.

Field names are the ones users select (the original's names, Vietnamese included). Plain fields
get their type from FIELD_KINDS; friendly metrics ("Purchases", "ThruPlay", ...) from the
mapping table in `metrics.py`. How a field is fetched is decided in `plan.py`, never here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from marketing_etl.sources.facebook.metrics import FRIENDLY_METRICS

DAILY, PERFORMANCE, BREAKDOWN = "facebook_daily", "facebook_performance", "facebook_breakdown"
HOURLY = "hourly_stats_aggregated_by_audience_time_zone"

FIELD_KINDS: dict[str, str] = {
    **dict.fromkeys(("account_id", "campaign_id", "adset_id", "id", "creative_id", "actor_id"), "id"),
    **dict.fromkeys(
        (
            "account_name",
            "campaign_name",
            "adset_name",
            "name",
            "ad_name",
            "objective",
            "status",
            "effective_status",
            "buying_type",
            "bid_strategy",
            "adset_bid_strategy",
            "account_currency",
            "attribution_setting",
            "age",
            "gender",
            "country",
            "region",
            "publisher_platform",
            "platform_position",
            "hour_of_day",
            "page_name",
            "creative_name",
            "creative_title",
            "creative_body",
            "creative_thumbnail_raw_url",
            "creative_link",
        ),
        "text",
    ),
    "creative_thumbnail_url": "formula",
    **dict.fromkeys(("date_start", "date_stop"), "date"),
    **dict.fromkeys(("start_time", "stop_time", "created_time", "updated_time"), "datetime"),
    **dict.fromkeys(("impressions", "reach", "clicks", "inline_link_clicks"), "integer"),
    **dict.fromkeys(
        ("spend", "cpc", "cpm", "daily_budget", "lifetime_budget", "budget_remaining", "adset_bid_amount"),
        "money",
    ),
    "frequency": "ratio",
    **dict.fromkeys(("ctr", "inline_link_click_ctr"), "percent"),
}

# The headline conversions that go into a template's defaults when it offers them.
HEADLINE_METRICS = ("Purchases", "Cost Purchases", "Purchase Value", "Purchase ROAS")

CONV16 = (
    "New Messaging Connections",
    "Cost per New Messaging",
    "New Messaging Connections (N)",
    "Cost per New Messaging (N)",
    "Leads",
    "Cost Leads",
    "Purchases",
    "Cost Purchases",
    "Purchase Value",
    "Purchase ROAS",
    "Website Purchases",
    "On-Facebook Purchases",
    "Hoàn tất đăng ký",
    "Chi phí / Hoàn tất đăng ký",
    "ThruPlay",
    "Chi phí / ThruPlay",
)
_CONVX_EXTRA = (
    "Leads Conversion Value",
    "Landing page views",
    "Cost per landing page view",
    "Adds to cart",
    "Cost per add to cart",
    "Checkouts Initiated",
    "Cost per checkout initiated",
)
_AT = CONV16.index("Cost Leads") + 1
CONVX = (*CONV16[:_AT], *_CONVX_EXTRA, *CONV16[_AT:])
_PAGE_AT = CONVX.index("On-Facebook Purchases") + 1
CONVX_PAGE_LIKES = (*CONVX[:_PAGE_AT], "Page Likes", "Cost Page Likes", *CONVX[_PAGE_AT:])
_ONSITE = ("Website Purchases", "On-Facebook Purchases")
# Facebook refuses video metrics together with an hourly breakdown, so the Hour template
# cannot offer ThruPlay although the original listed it (it could only ever fail).
_VIDEO_COST = ("ThruPlay", "Chi phí / ThruPlay")

CREATIVE_FIELDS = (
    "creative_id",
    "actor_id",
    "page_name",
    "creative_title",
    "creative_body",
    "creative_thumbnail_url",
    "creative_thumbnail_raw_url",
    "creative_link",
)
PERF_REACH = ("spend", "impressions", "reach", "clicks", "ctr", "cpc", "cpm")
DATES = ("date_start", "date_stop")


def _without(fields: tuple[str, ...], *drop: str) -> tuple[str, ...]:
    return tuple(f for f in fields if f not in drop)


@dataclass(frozen=True)
class FieldGroup:
    label: str
    fields: tuple[str, ...]
    default: bool = True  # False: conversion-style groups, of which only HEADLINE_METRICS are defaults


@dataclass(frozen=True)
class Template:
    name: str
    task_types: tuple[str, ...]
    level: str  # account, campaign, adset or ad
    groups: tuple[FieldGroup, ...]
    breakdowns: tuple[str, ...] = ()
    time_increment: int | None = None  # 1: one row per day; None: one row for the whole range
    spend_filter: bool = False  # ask Facebook only for rows with spend > 0 (the daily family)
    breakdown_fanout: int = 1  # rough rows per object and day a breakdown produces (request sizing)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f for group in self.groups for f in group.fields)

    @property
    def defaults(self) -> tuple[str, ...]:
        return tuple(f for g in self.groups for f in g.fields if g.default or f in HEADLINE_METRICS)

    def kind_of(self, field: str) -> str:
        metric = FRIENDLY_METRICS.get(field)
        return metric.kind if metric else FIELD_KINDS[field]


def _g(label: str, *fields: str) -> FieldGroup:
    return FieldGroup(label, fields)


def _conv(label: str, fields: tuple[str, ...]) -> FieldGroup:
    return FieldGroup(label, fields, default=False)


_CAMPAIGN_ID = ("campaign_id", "campaign_name", "account_id", "account_name")
_AD_ID = ("id", "name", "adset_id", "adset_name", *_CAMPAIGN_ID)


def _campaign_breakdown(name: str, breakdowns: tuple[str, ...], fanout: int) -> Template:
    return Template(
        name,
        (BREAKDOWN,),
        "campaign",
        (
            _g("Campaign", *_CAMPAIGN_ID),
            _g("Breakdown", *breakdowns),
            FieldGroup("Performance & conversions", ("spend", *CONV16), default=False),
            _g("Date range", *DATES),
        ),
        breakdowns=breakdowns,
        time_increment=1,
        breakdown_fanout=fanout,
    )


_TEMPLATES: tuple[Template, ...] = (
    Template(
        "Campaign Overview Report",
        (PERFORMANCE,),
        "campaign",
        (
            _g("Identity", "campaign_id", "campaign_name", "objective", "account_id", "account_name"),
            _g(
                "Status & time",
                "status",
                "effective_status",
                "start_time",
                "stop_time",
                "created_time",
                "updated_time",
            ),
            _g("Bidding", "buying_type", "bid_strategy"),
            _g("Performance", "spend", "impressions", "reach", "clicks", "cpc", "cpm", "ctr"),
            _g("Date range", *DATES),
            _conv("Conversions", CONV16),
        ),
    ),
    _campaign_breakdown("Campaign Performance by AGE & GENDER", ("age", "gender"), 21),
    _campaign_breakdown("Campaign Performance by Age", ("age",), 7),
    _campaign_breakdown("Campaign Performance by Gender", ("gender",), 3),
    Template(
        "Campaign Performance by Platform",
        (BREAKDOWN,),
        "campaign",
        (
            _g("Identity", "account_id", "account_name", "campaign_id", "campaign_name"),
            _g("Breakdown", "publisher_platform", "platform_position"),
            _g("Time", *DATES),
            _g("Performance", "spend", "impressions", "clicks"),
            _conv("Conversions", CONV16),
        ),
        breakdowns=("publisher_platform", "platform_position"),
        time_increment=1,
        breakdown_fanout=12,
    ),
    Template(
        "Campaign Performance by Region",
        (BREAKDOWN,),
        "campaign",
        (
            _g("Campaign", *_CAMPAIGN_ID),
            _g("Breakdown", "region"),
            _g("Performance", "spend", "impressions", "clicks", "ctr"),
            _conv("Conversions", _without(CONV16, "Purchase ROAS")),
            _g("Date range", *DATES),
        ),
        breakdowns=("region",),
        breakdown_fanout=25,
    ),
    Template(
        "Campaign Performance by Hour (Audience Time)",
        (DAILY, BREAKDOWN),
        "campaign",
        (
            _g("Identity", *_CAMPAIGN_ID),
            _g("Breakdown", "hour_of_day", *DATES),
            _g("Performance", "spend", "impressions", "clicks", "ctr", "cpc", "cpm"),
            _conv("Conversions", _without(CONV16, *_ONSITE, *_VIDEO_COST)),
        ),
        breakdowns=(HOURLY,),
        time_increment=1,
        spend_filter=True,
        breakdown_fanout=24,
    ),
    Template(
        "Ad Set Performance Report",
        (PERFORMANCE,),
        "adset",
        (
            _g("Identity", "id", "name", *_CAMPAIGN_ID),
            _g("Status", "status", "effective_status", "created_time"),
            _g("Budget", "daily_budget", "lifetime_budget", "budget_remaining"),
            _g("Performance", *PERF_REACH),
            _conv("Conversions", CONV16),
            _g("Date range", *DATES),
        ),
    ),
    Template(
        "Ad Performance Report",
        (PERFORMANCE,),
        "ad",
        (
            _g("Identity", *_AD_ID, "created_time", "updated_time"),
            _g("Status", "status", "effective_status"),
            _g(
                "Performance",
                *PERF_REACH,
                "frequency",
                "Post comments",
                "Link clicks",
                "Cost per unique link click",
            ),
            _conv("Conversions", CONVX),
            _g("Date range", *DATES),
        ),
    ),
    Template(
        "Account Daily Report",
        (DAILY,),
        "account",
        (
            _g("Identity", "account_id", "account_name", "account_currency", *DATES),
            _g(
                "Performance",
                "spend",
                "impressions",
                "clicks",
                "cpc",
                "cpm",
                "ctr",
                "reach",
                "frequency",
                "Post comments",
                "Link clicks",
                "Cost per unique link click",
            ),
            _conv("Conversions", CONVX),
        ),
        time_increment=1,
        spend_filter=True,
    ),
    Template(
        "Campaign Daily Report",
        (DAILY,),
        "campaign",
        (
            _g("Identity", *_CAMPAIGN_ID, *DATES),
            _g(
                "Performance",
                "spend",
                "impressions",
                "reach",
                "clicks",
                "cpc",
                "cpm",
                "ctr",
                "frequency",
                "Post comments",
                "Link clicks",
                "Cost per unique link click",
            ),
            _conv("Conversions", CONVX),
        ),
        time_increment=1,
        spend_filter=True,
    ),
    Template(
        "Ad Set Daily Report",
        (DAILY,),
        "adset",
        (
            _g("Identity", "id", "name", *_CAMPAIGN_ID, *DATES),
            _g("Status", "status", "effective_status"),
            _g("Budget", "daily_budget", "lifetime_budget", "budget_remaining"),
            _g("Performance", *PERF_REACH, "frequency"),
            _conv("Conversions", CONV16),
        ),
        time_increment=1,
        spend_filter=True,
    ),
    Template(
        "Ad Daily Report",
        (DAILY,),
        "ad",
        (
            _g("Identity", *_AD_ID, *DATES),
            _g("Status & time", "status", "effective_status", "created_time"),
            _g(
                "Performance",
                *PERF_REACH,
                "frequency",
                "Post comments",
                "Link clicks",
                "Cost per unique link click",
            ),
            _conv("Conversions", CONVX_PAGE_LIKES),
        ),
        time_increment=1,
        spend_filter=True,
    ),
    Template(
        "Ad Creative Report",
        (PERFORMANCE,),
        "ad",
        (
            _g("Identity", *_AD_ID),
            _g("Status", "status", "effective_status"),
            _g("Creative", *CREATIVE_FIELDS),
            _g(
                "Performance",
                "spend",
                "impressions",
                "Leads",
                "Cost Leads",
                "reach",
                "clicks",
                "ctr",
                "cpc",
                "cpm",
            ),
            _conv(
                "Conversions",
                (
                    "New Messaging Connections",
                    "Cost per New Messaging",
                    "New Messaging Connections (N)",
                    "Cost per New Messaging (N)",
                    "Purchases",
                    "Purchase Value",
                    "Purchase ROAS",
                    "Hoàn tất đăng ký",
                    "Chi phí / Hoàn tất đăng ký",
                    "ThruPlay",
                    "Chi phí / ThruPlay",
                ),
            ),
            _g("Date range", *DATES),
        ),
    ),
    Template(
        "Ad Creative Daily Report",
        (DAILY,),
        "ad",
        (
            _g("Identity", *_AD_ID, *DATES),
            _g("Status", "status", "effective_status"),
            _g("Creative", *CREATIVE_FIELDS),
            _g("Performance", *PERF_REACH, "frequency"),
            _conv("Engagement", ("Post engagement", "Post reactions", "Post comments", "Link clicks")),
            _conv("Conversions", _without(CONV16, *_ONSITE)),
            _conv(
                "Video",
                (
                    "Video Views (3s)",
                    "Video Views (30s)",
                    "Video Views (25%)",
                    "Video Views (50%)",
                    "Video Views (75%)",
                    "Video Views (100%)",
                    "Avg Time Watched",
                    "Video Plays",
                ),
            ),
        ),
        time_increment=1,
        spend_filter=True,
    ),
    Template(
        "AGE & GENDER_DETAILED_REPORT",
        (DAILY, BREAKDOWN),
        "ad",
        (
            _g("Time & account", *DATES, "account_id", "account_name"),
            _g(
                "Ad",
                "campaign_name",
                "adset_name",
                "name",
                "id",
                "adset_bid_strategy",
                "adset_bid_amount",
                "age",
                "gender",
            ),
            _g("Creative", "creative_id", "creative_name", "creative_thumbnail_url", "creative_link"),
            _g(
                "Cost & performance",
                *PERF_REACH[:4],
                "cpc",
                "cpm",
                "ctr",
                "inline_link_clicks",
                "outbound_clicks",
                "inline_link_click_ctr",
                "outbound_click_ctr",
            ),
            _conv(
                "Messaging & engagement",
                (
                    "Messaging conversations started",
                    "New messaging contacts",
                    "Cost per messaging conversation started",
                    "Post engagements",
                    "Post reactions",
                    "Post comments",
                    "Post saves",
                    "Post shares",
                    "Photo views",
                ),
            ),
            _conv(
                "Video & landing page",
                (
                    "Landing page views",
                    "Cost per landing page view",
                    "ThruPlay",
                    "Chi phí / ThruPlay",
                    "Video Views (25%)",
                    "Video Views (50%)",
                    "Video Views (75%)",
                    "Video Views (95%)",
                    "Video Views (100%)",
                ),
            ),
        ),
        breakdowns=("age", "gender"),
        time_increment=1,
        spend_filter=True,
        breakdown_fanout=21,
    ),
    Template(
        "LOCATION_DETAILED_REPORT",
        (DAILY, BREAKDOWN),
        "ad",
        (
            _g("Time & account", *DATES, "account_id", "account_name"),
            _g(
                "Ad & location",
                "campaign_name",
                "adset_name",
                "ad_name",
                "id",
                "adset_bid_strategy",
                "adset_bid_amount",
                "country",
                "region",
            ),
            _g("Creative", "creative_id", "creative_name", "creative_thumbnail_url"),
            _g(
                "Cost & performance",
                *PERF_REACH[:4],
                "cpc",
                "cpm",
                "ctr",
                "frequency",
                "inline_link_clicks",
                "outbound_clicks",
            ),
            _conv(
                "Messaging & engagement",
                (
                    "Messaging conversations started",
                    "New messaging contacts",
                    "Cost per messaging conversation started",
                    "Post engagements",
                    "Post reactions",
                    "Post comments",
                    "Post saves",
                    "Post shares",
                ),
            ),
            _conv(
                "Video & landing page",
                (
                    "Landing page views",
                    "Cost per landing page view",
                    "Video Plays",
                    "ThruPlay",
                    "Photo views",
                ),
            ),
        ),
        breakdowns=("country", "region"),
        time_increment=1,
        spend_filter=True,
        breakdown_fanout=25,
    ),
)
# Every template offers the attribution setting (the ad set's) that a row's conversions follow.
_ATTRIBUTION = FieldGroup("Attribution", ("attribution_setting",), default=False)
TEMPLATES = tuple(replace(t, groups=(*t.groups, _ATTRIBUTION)) for t in _TEMPLATES)

TASK_TYPES = (DAILY, PERFORMANCE, BREAKDOWN)
_BY_KEY = {name.casefold(): t for t in TEMPLATES for name in (t.name,)}


def normalise(name: str) -> str:
    """Names match whatever the case and spacing the client used."""
    return " ".join(name.split()).casefold()


def find_template(name: str) -> Template | None:
    return _BY_KEY.get(normalise(name))


def templates_for(task_type: str) -> tuple[Template, ...]:
    return tuple(t for t in TEMPLATES if task_type in t.task_types)
