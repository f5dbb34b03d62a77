"""The sandbox's simulated advertisers: two Facebook ad accounts (USD and VND), one TikTok GMV
Max advertiser with a store, and daily exchange rates.

Everything derives from a hash of its names, so every run (and every test) sees the same
numbers. The ids are the ones the seed README's examples use, so those requests work as printed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from marketing_etl.sandbox.fakes.facebook_world import World
from marketing_etl.sandbox.fakes.fx_api import FakeFx
from marketing_etl.sandbox.fakes.tiktok_data import Campaign, Creative, Dataset, Product, ProductDay

# (numeric id, name, currency): the README's act_123456789, and one account in Vietnamese dong.
FACEBOOK_ACCOUNTS = (
    ("123456789", "Demo Shop US", "USD"),
    ("246813579", "Demo Shop VN", "VND"),
)
TIKTOK_ADVERTISER_ID = "123456789"
TIKTOK_STORE_ID = "987654321"
TIKTOK_STORE_NAME = "Demo Store"
TIKTOK_BC_ID = "7200000000000000042"
TIKTOK_CAMPAIGNS = (
    Campaign("1838000000000000101", "GMV Max - Bestsellers", "ENABLE", "CUSTOM"),
    Campaign("1838000000000000102", "GMV Max - New arrivals", "DISABLE", "NO_BID"),
)
TIKTOK_PRODUCTS = (
    ("1729000000000000201", "Linen Shirt"),
    ("1729000000000000202", "Canvas Tote"),
    ("1729000000000000203", "Bamboo Socks (3 pairs)"),
    ("1729000000000000204", "Rain Jacket"),
)
FX_CURRENCIES = ("usd", "vnd", "eur")
_USD_IN = {"vnd": 25_300.0, "eur": 0.92}  # around which the simulated daily rates move


# Has not opted in to hourly breakdowns (Meta, 2026-08-03): the hourly template shows the warning.
HOURLY_OPT_IN_MISSING = "246813579"


# The demo accounts' purchases of a day keep arriving for this many days after it, so a
# refresh_days schedule visibly updates earlier days (docs/sandbox.md).
SETTLING_DAYS = 7


def facebook_world(today: Callable[[], date] = date.today) -> World:
    world = World(named=FACEBOOK_ACCOUNTS, campaigns=2, adsets=2, ads=2, seed="sandbox")
    world.needs_hourly_opt_in.add(HOURLY_OPT_IN_MISSING)
    world.purchase_shift = partial(still_settling, today=today)
    return world


def still_settling(day: date, today: Callable[[], date]) -> int:
    """Each ad's purchases a day still lacks: a day `age` days old (0 <= age < SETTLING_DAYS)
    lacks (SETTLING_DAYS - age) // 2 of them; older days have them all."""
    age = (today() - day).days
    return -((SETTLING_DAYS - age) // 2) if 0 <= age < SETTLING_DAYS else 0


def tiktok_dataset(first: date, last: date) -> Dataset:
    """Products deliver every day from `first` to `last`; each product gets two new creatives
    (videos) a week, so any date range has creatives to report."""
    data = Dataset(
        TIKTOK_ADVERTISER_ID, TIKTOK_STORE_ID, TIKTOK_STORE_NAME, TIKTOK_BC_ID, currency="USD",
        campaigns=list(TIKTOK_CAMPAIGNS),
    )  # fmt: skip
    for group_id, title in TIKTOK_PRODUCTS:
        status = "AVAILABLE" if _byte(group_id) % 4 else "UNAVAILABLE"
        data.catalog.append(Product(group_id, title, f"https://img.example/products/{group_id}.jpg", status))
    for index, (group_id, _) in enumerate(TIKTOK_PRODUCTS):
        campaign_id = TIKTOK_CAMPAIGNS[index % len(TIKTOK_CAMPAIGNS)].campaign_id
        day = first
        while day <= last:
            data.product_days.append(ProductDay(campaign_id, group_id, day, _product_metrics(group_id, day)))
            if day.weekday() == 0:
                data.creatives += _weekly_creatives(campaign_id, group_id, day)
            day += timedelta(days=1)
    return data


def _product_metrics(group_id: str, day: date) -> dict[str, str]:
    b = _bytes(group_id, day.isoformat())
    orders = b[0] % 9
    cost = 5 + b[1] % 60 + b[2] / 100
    revenue = orders * (19.9 + b[3] % 30)
    per_order = f"{cost / orders:.2f}" if orders else "-"
    return {
        "orders": str(orders),
        "gross_revenue": f"{revenue:.2f}",
        "cost": f"{cost:.2f}",
        "cost_per_order": per_order,
        "roi": f"{revenue / cost:.2f}",
    }


def _weekly_creatives(campaign_id: str, group_id: str, monday: date) -> list[Creative]:
    found = []
    for n in range(2):
        b = _bytes(group_id, monday.isoformat(), str(n))
        item_id = str(7_300_000_000_000_000_000 + int.from_bytes(b[:6], "big"))
        impressions = 200 + b[6] * 20
        clicks = impressions * (1 + b[7] % 8) // 100
        orders = clicks * (b[8] % 20) // 100
        cost = 2 + b[9] % 40 + b[10] / 100
        revenue = orders * 24.9
        metrics = {
            "title": f"Video {n + 1} for product {group_id[-3:]}, week of {monday}",
            "tt_account_name": "demo.store",
            "tt_account_profile_image_url": "https://img.example/accounts/demo-store.jpg",
            "cost": f"{cost:.2f}",
            "orders": str(orders),
            "cost_per_order": f"{cost / orders:.2f}" if orders else "-",
            "gross_revenue": f"{revenue:.2f}",
            "roi": f"{revenue / cost:.2f}",
            "product_impressions": str(impressions),
            "product_clicks": str(clicks),
            "product_click_rate": f"{100 * clicks / impressions:.2f}",
            "ad_conversion_rate": f"{100 * orders / clicks:.2f}" if clicks else "0.00",
            "creative_delivery_status": "DELIVERING" if b[11] % 3 else "NOT_DELIVERYING",
        }
        for rate, share in (("2s", 60), ("6s", 40), ("p25", 30), ("p50", 20), ("p75", 12), ("p100", 6)):
            metrics[f"ad_video_view_rate_{rate}"] = f"{share + b[12] % 10 + (b[13] % 100) / 100:.2f}"
        found.append(Creative(campaign_id, group_id, item_id, monday + timedelta(days=n * 3), metrics))
    return found


def fill_rates(fx: FakeFx, first: date, last: date) -> None:
    """Every day's table for each base, like the free currency API publishes them."""
    day = first
    while day <= last:
        b = _bytes("fx", day.isoformat())
        usd_in = {
            "usd": 1.0,
            "vnd": round(_USD_IN["vnd"] + b[0] * 2 - 256, 2),
            "eur": round(_USD_IN["eur"] + (b[1] - 128) / 5_000, 6),
        }
        for base in FX_CURRENCIES:
            quotes = {q: round(usd_in[q] / usd_in[base], 8) for q in FX_CURRENCIES if q != base}
            fx.set_rates(day, base, quotes)
        day += timedelta(days=1)


def _bytes(*parts: str) -> bytes:
    return hashlib.blake2b("|".join(("sandbox", *parts)).encode(), digest_size=16).digest()


def _byte(text: str) -> int:
    return _bytes(text)[0]
