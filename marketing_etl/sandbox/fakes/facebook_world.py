"""The fake Graph API's advertising world: accounts, campaigns, ad sets, ads, creatives, pages.

The data model the fake serves: the objects (frozen dataclasses, as node reads return them), how
a World of any size is built from a seed, and which counters each ad can have (a sales campaign no
leads, an image ad no video views). The delivery numbers themselves are computed in
facebook_delivery.py; `World.stats` masks them with the ad's profile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from marketing_etl.sandbox.fakes.facebook_delivery import (
    LEADS_ONLY,
    SALES_ONLY,
    STAT_KEYS,
    VIDEO_ONLY,
    Stats,
    delivery,
    share,
)


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
        # The sandbox's "mismatch" fixture: these accounts' whole-range account totals (level
        # account, no breakdowns, no filtering: the totals check's question) say 5 % more spend
        # than their rows add up to, so the totals check has a difference to flag.
        self.totals_differ: set[str] = set()
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

    def stats(
        self, ad_id: str, day: date, bucket: tuple[str, ...], breakdowns: tuple[str, ...] = ()
    ) -> Stats | None:
        """One ad's delivery on one day in one bucket of `breakdowns` (the whole day when there
        are none); None when it did not deliver. The buckets of a breakdown add up to the day."""
        counters = delivery(self.seed, ad_id, day, self.purchase_shift)
        if counters is not None and bucket:
            counters = share(self.seed, ad_id, day, breakdowns, bucket, counters)
        if counters is None:
            return None
        return [value * keep for value, keep in zip(counters, self._profiles[ad_id], strict=True)]

    def account_of(self, object_id: str) -> str | None:
        item = self.objects.get(object_id)
        return getattr(item, "account_id", None)


def _no_shift(day: date) -> int:
    return 0
