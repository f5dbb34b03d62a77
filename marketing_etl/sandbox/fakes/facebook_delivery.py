"""The fake Graph API's delivery numbers: the counters an ad carries per (day, breakdown bucket).

Numbers are raw counters (ints, money in cents) derived from a hash, so the same world answers
every query the same way and tests can compute what any report cell must be. STAT_KEYS names the
counters (K indexes them), BUCKETS the breakdown buckets Facebook splits delivery into,
`delivery()` computes one (ad, day) and `share()` a breakdown bucket's part of it; the world
(facebook_world.py) zeroes those an ad cannot have. Kept apart from the world's objects: it is
the arithmetic, they are the data model.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator
from datetime import date, timedelta

# The counters a (ad, day, bucket) carries; API metrics are rendered from their sums.
STAT_KEYS = (
    "impressions",
    "reach",
    "clicks",
    "inline_link_clicks",
    "unique_inline_link_clicks",
    "outbound_clicks",
    "unique_outbound_clicks",
    "spend_cents",
    "pixel_purchase",
    "onsite_purchase",
    "lead",
    "messaging_started",
    "first_reply",
    "comment",
    "landing_page_view",
    "omni_add_to_cart",
    "omni_initiated_checkout",
    "complete_registration",
    "like",
    "page_follow",
    "video_view",
    "video_view_10s",
    "post_save",
    "post",
    "photo_view",
    "post_reaction",
    "pixel_purchase_value_cents",
    "onsite_purchase_value_cents",
    "lead_value_cents",
    "video_play",
    "video_p25",
    "video_p50",
    "video_p75",
    "video_p95",
    "video_p100",
    "video_30s",
    "video_thruplay",
    "video_watch_ms",
)
K = {name: i for i, name in enumerate(STAT_KEYS)}
SALES_ONLY = (
    "pixel_purchase",
    "onsite_purchase",
    "omni_add_to_cart",
    "omni_initiated_checkout",
    "pixel_purchase_value_cents",
    "onsite_purchase_value_cents",
)
LEADS_ONLY = ("lead", "messaging_started", "first_reply", "complete_registration", "lead_value_cents")
VIDEO_ONLY = frozenset(
    {
        "video_view",
        "video_view_10s",
        "video_play",
        "video_p25",
        "video_p50",
        "video_p75",
        "video_p95",
        "video_p100",
        "video_30s",
        "video_thruplay",
        "video_watch_ms",
    }
)
Stats = list[int]

BUCKETS: dict[tuple[str, ...], list[tuple[str, ...]]] = {
    (): [()],
    ("age",): [(a,) for a in ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")],
    ("gender",): [(g,) for g in ("female", "male", "unknown")],
    ("country",): [("US",), ("VN",)],
    ("region",): [(r,) for r in ("California", "Texas", "Hanoi", "Ho Chi Minh City")],
    ("country", "region"): [
        ("US", "California"),
        ("US", "Texas"),
        ("VN", "Hanoi"),
        ("VN", "Ho Chi Minh City"),
    ],
    ("publisher_platform", "platform_position"): [
        ("facebook", "feed"),
        ("facebook", "facebook_reels"),
        ("instagram", "feed"),
        ("instagram", "instagram_stories"),
    ],
    ("hourly_stats_aggregated_by_audience_time_zone",): [
        (f"{h:02d}:00:00 - {h:02d}:59:59",) for h in range(24)
    ],
}
BUCKETS[("age", "gender")] = [(a, g) for (a,) in BUCKETS[("age",)] for (g,) in BUCKETS[("gender",)]]
BUCKETS[("publisher_platform",)] = [("facebook",), ("instagram",)]


def delivery(seed: str, ad_id: str, day: date, purchase_shift: Callable[[date], int]) -> Stats | None:
    """One ad's raw counters on one day, before its profile zeroes those it cannot have
    (World.stats); None when it did not deliver."""
    b = hashlib.blake2b(f"{seed}|{ad_id}|{day}|".encode(), digest_size=64).digest()
    if b[0] < 20:
        return None
    impressions = 100 + b[1] * 10 + b[2]
    clicks = impressions * (b[4] % 40) // 1000
    inline = clicks * (128 + b[5] % 128) // 256
    outbound = inline * (100 + b[7] % 156) // 256
    pixel, onsite, lead = max(0, b[12] % 4 + purchase_shift(day)), b[13] % 3, b[14] % 5
    messaging = b[15] % 6
    add_to_cart = b[19] % 6
    video_view = impressions * (b[24] % 100) // 400
    plays = video_view * (200 + b[33] % 56) // 256
    p25 = plays * (150 + b[34] % 100) // 256
    p50 = p25 * (150 + b[35] % 100) // 256
    p75 = p50 * (150 + b[36] % 100) // 256
    p95 = p75 * (150 + b[37] % 100) // 256
    v30 = p50 * (56 + b[39] % 200) // 256
    counters = [
        impressions,
        impressions * (160 + b[3] % 90) // 256,
        clicks,
        inline,
        inline * (180 + b[6] % 76) // 256,
        outbound,
        outbound * (180 + b[8] % 76) // 256,
        0 if b[9] < 14 else 50 + b[10] * 40 + b[11],
        pixel,
        onsite,
        lead,
        messaging,
        min(messaging, b[16] % 4),
        b[17] % 7,
        inline * (b[18] % 200) // 256,
        add_to_cart,
        min(add_to_cart, b[20] % 4),
        b[21] % 3,
        b[22] % 5,
        b[23] % 3,
        video_view,
        video_view * (b[25] % 128) // 256,
        b[26] % 3,
        b[27] % 4,
        b[28] % 9,
        b[29] % 12,
        pixel * (1_000 + b[30] * 50),
        onsite * (800 + b[31] * 40),
        lead * b[32] * 20,
        plays,
        p25,
        p50,
        p75,
        p95,
        p95 * (150 + b[38] % 100) // 256,
        v30,
        max(p95, v30 * (128 + b[40] % 128) // 256),
        plays * (1_000 + b[41] * 40),
    ]
    return counters


def share(
    seed: str, ad_id: str, day: date, breakdowns: tuple[str, ...], bucket: tuple[str, ...], total: Stats
) -> Stats | None:
    """The bucket's part of the ad's day (`total`, the unbroken counters): every counter is split
    over the breakdown's buckets by hashed weights, so the buckets add up to the day exactly, as
    Facebook's breakdown rows add up to the account's totals. None: no delivery in the bucket."""
    weights = _weights(seed, ad_id, day, breakdowns)
    index = BUCKETS[breakdowns].index(bucket)
    if not weights[index]:
        return None
    whole = sum(weights)
    parts = [[value * weight // whole for value in total] for weight in weights]
    first = next(i for i, weight in enumerate(weights) if weight)
    if index != first:
        return parts[index]
    # The rounding remainders go to the first bucket with delivery.
    others = [sum(part[k] for i, part in enumerate(parts) if i != first) for k in range(len(total))]
    return [value - other for value, other in zip(total, others, strict=True)]


@functools.lru_cache(maxsize=4_096)
def _weights(seed: str, ad_id: str, day: date, breakdowns: tuple[str, ...]) -> tuple[int, ...]:
    weights = []
    for bucket in BUCKETS[breakdowns]:
        b = hashlib.blake2b(f"{seed}|{ad_id}|{day}|{'|'.join(bucket)}".encode(), digest_size=2).digest()
        weights.append(0 if b[0] < 80 else 1 + b[1])  # about a third of the buckets without delivery
    if not any(weights):
        weights[0] = 1
    return tuple(weights)


def days(since: date, until: date) -> Iterator[date]:
    day = since
    while day <= until:
        yield day
        day += timedelta(days=1)


def add(total: Stats | None, more: Stats) -> Stats:
    return list(more) if total is None else [a + b for a, b in zip(total, more, strict=True)]
