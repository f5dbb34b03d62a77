"""The data set a fake TikTok API serves: one advertiser, one store, its campaigns, catalog,
product days and creatives. Creatives carry their attributes (title, account name and picture)
as the report shows them; the store's video list is derived from them (tiktok_videos.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass
class Campaign:
    campaign_id: str
    name: str
    operation_status: str
    bid_type: str


@dataclass
class Product:
    item_group_id: str
    title: str
    image_url: str
    status: str


@dataclass
class ProductDay:
    campaign_id: str
    item_group_id: str
    day: date
    metrics: dict[str, str]


@dataclass
class Creative:
    campaign_id: str
    item_group_id: str
    item_id: str
    day: date  # the one day it delivered: keeps range totals trivial to state in tests
    metrics: dict[str, str]  # attributes and performance, as TikTok's strings


@dataclass
class Dataset:
    advertiser_id: str
    store_id: str
    store_name: str
    bc_id: str
    currency: str = "USD"
    advertiser_name: str = "Demo Advertiser"
    timezone: str = "Asia/Ho_Chi_Minh"
    campaigns: list[Campaign] = field(default_factory=list)
    catalog: list[Product] = field(default_factory=list)
    product_days: list[ProductDay] = field(default_factory=list)
    creatives: list[Creative] = field(default_factory=list)
    # Posts the report still knows but the video list no longer has (deleted by the creator).
    removed_items: set[str] = field(default_factory=set)
    # False: the store list says the store cannot run GMV Max, and its report is empty.
    gmv_max_available: bool = True
    # The sandbox's "mismatch" fixture: the report's total_metrics say 5 % more cost than its
    # rows add up to, so the totals check has a difference to flag.
    totals_differ: bool = False
