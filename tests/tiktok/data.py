"""Data sets for the fake TikTok API: a small hand-written one whose every cell the tests spell
out, and a generated one of any size for paging tests and the benchmark."""

from __future__ import annotations

from datetime import date, timedelta

from marketing_etl.sandbox.fakes.tiktok_data import Campaign, Creative, Dataset, Product, ProductDay

ADVERTISER = "7100000000000000001"
STORE = "7495000000000000001"
BC = "7200000000000000001"
C1, C2 = "1838000000000000001", "1838000000000000002"
P1, P2, P3 = "1729000000000000001", "1729000000000000002", "1729000000000000003"
V1, V2, V3 = "7300000000000000001", "7300000000000000002", "7300000000000000003"
OCT1, OCT2 = date(2026, 10, 1), date(2026, 10, 2)


CREATIVE_METRIC_NAMES = [
    "cost",
    "orders",
    "cost_per_order",
    "gross_revenue",
    "roi",
    "product_impressions",
    "product_clicks",
    "product_click_rate",
    "ad_conversion_rate",
    "creative_delivery_status",
    "ad_video_view_rate_2s",
    "ad_video_view_rate_6s",
    "ad_video_view_rate_p25",
    "ad_video_view_rate_p50",
    "ad_video_view_rate_p75",
    "ad_video_view_rate_p100",
]


def _product(orders: str, revenue: str, cost: str, per_order: str, roi: str) -> dict[str, str]:
    return {"orders": orders, "gross_revenue": revenue, "cost": cost, "cost_per_order": per_order, "roi": roi}


def _creative(title: str, account: str, picture: str, *values: str) -> dict[str, str]:
    names = CREATIVE_METRIC_NAMES
    assert len(values) == len(names)
    attributes = {"title": title, "tt_account_name": account, "tt_account_profile_image_url": picture}
    return {**attributes, **dict(zip(names, values, strict=True))}


def small() -> Dataset:
    """Two campaigns; P3 runs in C1 but is missing from the catalog; C1/P3 spent nothing."""
    return Dataset(
        advertiser_id=ADVERTISER,
        store_id=STORE,
        store_name="Fake Shop",
        bc_id=BC,
        campaigns=[
            Campaign(C1, "Spring Sale", "ENABLE", "CUSTOM"),
            Campaign(C2, "Evergreen", "DISABLE", "NO_BID"),
        ],
        catalog=[
            Product(P1, "Linen Shirt", "https://img.example/p1.jpg", "AVAILABLE"),
            Product(P2, 'Canvas "Tote"', "https://img.example/p2.jpg", "UNAVAILABLE"),
        ],
        product_days=[
            ProductDay(C1, P1, OCT1, _product("3", "89.70", "20.50", "6.83", "4.38")),
            ProductDay(C1, P1, OCT2, _product("1", "29.90", "9.10", "9.10", "3.29")),
            ProductDay(C1, P3, OCT1, _product("0", "0.00", "-", "-", "0.00")),
            ProductDay(C2, P2, OCT2, _product("2", "40.00", "10.00", "5.00", "4.00")),
        ],
        creatives=[
            Creative(
                C1,
                P1,
                V1,
                OCT1,
                _creative(
                    "Shirt try-on",
                    "Linen Co",
                    "https://img.example/a1.jpg",
                    "12.50",
                    "2",
                    "6.25",
                    "59.80",
                    "4.78",
                    "600",
                    "200",
                    "33.33",
                    "1.00",
                    "DELIVERING",
                    "40.00",
                    "25.50",
                    "20.00",
                    "10.00",
                    "5.00",
                    "2.50",
                ),
            ),
            Creative(
                C1,
                P1,
                V2,
                OCT1,
                _creative(
                    "Idle clip",
                    "Linen Co",
                    "https://img.example/a1.jpg",
                    "0.00",
                    "0",
                    "0.00",
                    "0.00",
                    "0.00",
                    "10",
                    "0",
                    "0.00",
                    "0.00",
                    "NOT_DELIVERYING",
                    "0.00",
                    "0.00",
                    "0.00",
                    "0.00",
                    "0.00",
                    "0.00",
                ),
            ),
            Creative(
                C1,
                P1,
                "-1",
                OCT2,
                _creative(
                    "-",
                    "-1",
                    "-1",
                    "3.00",
                    "0",
                    "-",
                    "0.00",
                    "0.00",
                    "50",
                    "5",
                    "10.00",
                    "-",
                    "DELIVERING",
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                    "-",
                ),
            ),
            Creative(
                C1,
                P3,
                "7300000000000000009",
                OCT1,
                _creative(
                    "Never ran",
                    "Linen Co",
                    "https://img.example/a1.jpg",
                    "0.00",
                    "0",
                    "0.00",
                    "0.00",
                    "0.00",
                    "0",
                    "0",
                    "0.00",
                    "0.00",
                    "IN_QUEUE",
                    "0.00",
                    "0.00",
                    "0.00",
                    "0.00",
                    "0.00",
                    "0.00",
                ),
            ),
            Creative(
                C2,
                P2,
                V3,
                OCT2,
                _creative(
                    "Tote unboxing",
                    "0",
                    "0",
                    "10.00",
                    "2",
                    "5.00",
                    "40.00",
                    "4.00",
                    "1000",
                    "50",
                    "5.00",
                    "4.00",
                    "LEARNING",
                    "100.00",
                    "62.10",
                    "50.00",
                    "30.00",
                    "12.00",
                    "7.25",
                ),
            ),
        ],
    )


def generated(campaigns: int, products: int, creatives: int, day: date = OCT1, days: int = 1) -> Dataset:
    """`campaigns` x `products` (distinct per campaign, as GMV Max runs a product in one campaign)
    x `creatives`, every creative with delivery; product rows for `days` days from `day`."""
    data = Dataset(advertiser_id=ADVERTISER, store_id=STORE, store_name="Big Shop", bc_id=BC)
    for c in range(campaigns):
        campaign_id = f"18380000{c:011d}"
        data.campaigns.append(Campaign(campaign_id, f"Campaign {c}", "ENABLE", "CUSTOM"))
        for p in range(products):
            group = f"17290{c:05d}{p:09d}"
            data.catalog.append(
                Product(group, f"Product {c}-{p}", f"https://img.example/{group}.jpg", "AVAILABLE")
            )
            for d in range(days):
                metrics = _product(str(p % 7 + 1), f"{p + 10}.50", f"{c + 1}.25", "1.00", "2.00")
                data.product_days.append(ProductDay(campaign_id, group, day + timedelta(days=d), metrics))
            for v in range(creatives):
                values = [f"{v + 1}.00", str(v % 3), "1.00", "9.99", "1.50", "100", "10", "10.00", "2.00"]
                rates = ["DELIVERING", "50.00", "40.00", "30.00", "20.00", "10.00", "5.00"]
                metrics = _creative(f"Video {v}", "Acct", "https://img.example/acct.jpg", *values, *rates)
                data.creatives.append(Creative(campaign_id, group, f"73{c:05d}{p:06d}{v:06d}", day, metrics))
    return data


def varied() -> Dataset:
    """3 campaigns x 4 products x 3 creatives with every case the video list handles apart: a
    product with only a product card, a product with delivery but no creatives, a removed
    video, and an account the token cannot see. Every post has its own title."""
    data = generated(campaigns=3, products=4, creatives=3)
    card_only, no_creatives = data.catalog[0].item_group_id, data.catalog[5].item_group_id
    hidden_account = data.catalog[6].item_group_id
    kept: list[Creative] = []
    for creative in data.creatives:
        creative.metrics["title"] = f"Clip {creative.item_id[-8:]}"
        if creative.item_group_id == no_creatives:
            continue
        if creative.item_group_id == hidden_account:
            creative.metrics.update(tt_account_name="0", tt_account_profile_image_url="0")
        if creative.item_group_id == card_only:
            if any(c.item_group_id == card_only for c in kept):
                continue  # one product card is all this product has
            creative.item_id = "-1"
        kept.append(creative)
    data.creatives = kept
    data.removed_items = {data.creatives[-1].item_id}
    return data
