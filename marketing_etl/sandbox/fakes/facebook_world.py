"""The fake Graph API's advertising world: accounts, campaigns, ad sets, ads, creatives, pages,
and deterministic delivery numbers for any (ad, day, breakdown bucket).

Numbers are raw counters (ints, money in cents) derived from a hash, so the same world answers
every query the same way and tests can compute what any report cell must be.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class FakePage:
    id: str
    name: str


@dataclass(frozen=True)
class FakeCreative:
    id: str
    name: str
    title: str
    body: str
    thumbnail_url: str | None
    image_url: str | None
    object_story_id: str | None
    actor_id: str


@dataclass(frozen=True)
class FakeCampaign:
    id: str
    name: str
    account_id: str
    objective: str
    status: str
    effective_status: str
    bid_strategy: str
    buying_type: str = "AUCTION"
    start_time: str = "2025-01-05T08:00:00+0700"
    stop_time: str | None = None
    created_time: str = "2025-01-04T10:11:12+0700"
    updated_time: str = "2025-02-01T09:30:00+0700"


@dataclass(frozen=True)
class FakeAdSet:
    id: str
    name: str
    account_id: str
    campaign_id: str
    status: str
    effective_status: str
    daily_budget: str | None
    lifetime_budget: str | None
    budget_remaining: str
    bid_strategy: str
    bid_amount: str | None
    attribution_setting: str = "7d_click_1d_view"  # which window the ad set's conversions follow
    created_time: str = "2025-01-06T07:00:00+0700"


@dataclass(frozen=True)
class FakeAd:
    id: str
    name: str
    account_id: str
    campaign_id: str
    adset_id: str
    status: str
    effective_status: str
    creative: FakeCreative
    created_time: str = "2025-01-07T12:00:00+0700"
    updated_time: str = "2025-03-02T15:45:00+0700"


WorldObject = FakePage | FakeCampaign | FakeAdSet | FakeAd | FakeCreative


@dataclass
class FakeAccount:
    id: str  # numeric, without act_
    name: str
    currency: str
    timezone_name: str = "Asia/Ho_Chi_Minh"
    campaigns: list[FakeCampaign] = field(default_factory=list)
    adsets: list[FakeAdSet] = field(default_factory=list)
    ads: list[FakeAd] = field(default_factory=list)


class World:
    def __init__(
        self,
        *,
        accounts: int = 2,
        campaigns: int = 2,
        adsets: int = 2,
        ads: int = 2,
        seed: str = "w1",
        named: Sequence[tuple[str, str, str]] = (),
    ) -> None:
        """`named` (numeric id, name, currency) replaces the `accounts` numbered ones."""
        self.seed = seed
        self._next_id = 120_210_000_000_000
        self.pages = [FakePage(self._id(), name) for name in ("Acme Shop", "Acme Outlet")]
        self.accounts: dict[str, FakeAccount] = {}
        currencies = ("USD", "VND", "EUR")
        numbered = [
            (str(1_000_000 + 11 * (a + 1)), f"Account {a + 1}", currencies[a % 3]) for a in range(accounts)
        ]
        for account_id, name, currency in named or numbered:
            account = FakeAccount(account_id, name, currency)
            self.accounts[account.id] = account
            for c in range(campaigns):
                self._add_campaign(account, c, adsets, ads)
        # Accounts that have not opted in to the audience-time-zone hourly breakdown (Meta,
        # 2026-08-03): Facebook answers their hourly queries with no rows.
        self.needs_hourly_opt_in: set[str] = set()
        # Settling conversions: Facebook attributes purchases to a day for weeks after it. Each
        # ad's pixel purchases of a day are shifted by this (at least 0 remain), so a test or the
        # sandbox can make a day's later answers differ from its earlier ones.
        self.purchase_shift: Callable[[date], int] = _no_shift
        self.objects: dict[str, WorldObject] = {p.id: p for p in self.pages}
        self._profiles: dict[str, list[int]] = {}
        for account in self.accounts.values():
            items: list[WorldObject] = [*account.campaigns, *account.adsets, *account.ads]
            for item in items:
                self.objects[item.id] = item
            for ad in account.ads:
                self.objects[ad.creative.id] = ad.creative
                self._profiles[ad.id] = self._profile(ad)

    def _profile(self, ad: FakeAd) -> list[int]:
        """Which counters an ad can have: a sales campaign gets no leads, a lead campaign no
        purchases, an image ad no video views (keeps rows as sparse as Facebook's)."""
        campaign = self.objects[ad.campaign_id]
        assert isinstance(campaign, FakeCampaign)
        off = set(SALES_ONLY if campaign.objective == "OUTCOME_LEADS" else LEADS_ONLY)
        if ad.creative.image_url is not None:
            off |= VIDEO_ONLY
        return [0 if key in off else 1 for key in STAT_KEYS]

    def _id(self) -> str:
        self._next_id += 7
        return str(self._next_id)

    def _add_campaign(self, account: FakeAccount, c: int, adsets: int, ads: int) -> None:
        statuses = ("ACTIVE", "PAUSED")
        campaign = FakeCampaign(
            self._id(),
            f"{account.name} / Campaign {c + 1}",
            account.id,
            ("OUTCOME_SALES", "OUTCOME_LEADS")[c % 2],
            statuses[c % 2],
            statuses[c % 2],
            ("LOWEST_COST_WITHOUT_CAP", "COST_CAP")[c % 2],
            stop_time=None if c % 2 == 0 else "2026-12-31T23:59:59+0700",
        )
        account.campaigns.append(campaign)
        for s in range(adsets):
            daily = s % 2 == 0
            adset = FakeAdSet(
                self._id(),
                f"{campaign.name} / Ad set {s + 1}",
                account.id,
                campaign.id,
                "ACTIVE",
                "ACTIVE",
                daily_budget=str(50_000 + 1_000 * s) if daily else None,
                lifetime_budget=None if daily else str(900_000 + 10 * c),
                budget_remaining=str(12_345 + s),
                bid_strategy=("LOWEST_COST_WITHOUT_CAP", "COST_CAP")[s % 2],
                bid_amount=None if s % 2 == 0 else str(1_500 + c),
                attribution_setting=("7d_click_1d_view", "1d_click")[c % 2],
            )
            account.adsets.append(adset)
            for n in range(ads):
                account.ads.append(self._ad(account, campaign, adset, n))

    def _ad(self, account: FakeAccount, campaign: FakeCampaign, adset: FakeAdSet, n: int) -> FakeAd:
        ad_id = self._id()
        page = self.pages[n % len(self.pages)]
        video = n % 3 == 1
        creative = FakeCreative(
            self._id(),
            f"Creative for {ad_id}",
            f"Title {n}" if n % 4 != 3 else "",
            f'Body "{n}"',
            thumbnail_url=f'https://scontent.example/t/{ad_id}.jpg?a=1&b="2"',
            image_url=None if video else f"https://scontent.example/i/{ad_id}.jpg",
            object_story_id=f"{page.id}_{ad_id}" if n % 5 != 4 else None,
            actor_id=page.id,
        )
        status = ("ACTIVE", "PAUSED", "ARCHIVED")[n % 3]
        return FakeAd(
            ad_id, f"{adset.name} / Ad {n + 1}", account.id, campaign.id, adset.id, status, status, creative
        )

    def stats(self, ad_id: str, day: date, bucket: tuple[str, ...]) -> Stats | None:
        """One ad's delivery on one day in one breakdown bucket; None when it did not deliver."""
        b = hashlib.blake2b(f"{self.seed}|{ad_id}|{day}|{'|'.join(bucket)}".encode(), digest_size=64).digest()
        if b[0] < (80 if bucket else 20):
            return None
        impressions = 100 + b[1] * 10 + b[2]
        clicks = impressions * (b[4] % 40) // 1000
        inline = clicks * (128 + b[5] % 128) // 256
        outbound = inline * (100 + b[7] % 156) // 256
        pixel, onsite, lead = max(0, b[12] % 4 + self.purchase_shift(day)), b[13] % 3, b[14] % 5
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
        return [value * keep for value, keep in zip(counters, self._profiles[ad_id], strict=True)]

    def account_of(self, object_id: str) -> str | None:
        item = self.objects.get(object_id)
        return getattr(item, "account_id", None)


def _no_shift(day: date) -> int:
    return 0


def days(since: date, until: date) -> Iterator[date]:
    day = since
    while day <= until:
        yield day
        day += timedelta(days=1)


def add(total: Stats | None, more: Stats) -> Stats:
    return list(more) if total is None else [a + b for a, b in zip(total, more, strict=True)]
