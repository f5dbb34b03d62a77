"""A TikTok token's check (the advertisers it reaches: oauth2/advertiser/get/ then
advertiser/info/) and its advertisers with their GMV Max stores, through the TikTok client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from marketing_etl.connections.lookup import LookupContext
from marketing_etl.contracts.connections import ConnectionCheck
from marketing_etl.errors import EtlError
from marketing_etl.http import Backoff
from marketing_etl.ratelimit import open_budget
from marketing_etl.sources.tiktok.client import TikTokClient
from marketing_etl.sources.tiktok.source import BUDGET_NAMESPACE

# A check answers an HTTP request: a few short retries, not a job's patience.
LOOKUP_BACKOFF = Backoff(first_s=0.5, cap_s=5.0, max_attempts=3)
INFO_FIELDS = ["advertiser_id", "name", "currency", "timezone", "status"]
MAX_IDS_PER_INFO_CALL = 100
NAMES_SHOWN = 3


@dataclass(frozen=True)
class Store:
    store_id: str
    name: str


@dataclass(frozen=True)
class Advertiser:
    advertiser_id: str
    name: str
    currency: str
    timezone: str
    stores: tuple[Store, ...] = ()


@contextmanager
def _tiktok(ctx: LookupContext) -> Iterator[TikTokClient]:
    budget = open_budget(ctx.settings.broker_url, BUDGET_NAMESPACE)
    with ctx.running():
        client = TikTokClient(ctx, budget, retry=LOOKUP_BACKOFF, workers=1)
        try:
            yield client
        finally:
            client.close()


def check_tiktok(ctx: LookupContext, now: datetime) -> ConnectionCheck:
    """The advertisers the token reaches; ok False with TikTok's reason if refused. TikTok's
    Marketing API tokens do not expire (they stop only when revoked), so no expiry is kept."""
    try:
        with _tiktok(ctx) as client:
            advertisers = _advertisers(ctx, client)
    except EtlError as exc:
        return ConnectionCheck(checked_at=now, ok=False, message=ctx.redact(exc.user_message))
    if not advertisers:
        return ConnectionCheck(checked_at=now, ok=False, message="TikTok lists no advertiser for this token.")
    names = ", ".join(a.name for a in advertisers[:NAMES_SHOWN])
    more = f" and {len(advertisers) - NAMES_SHOWN} more" if len(advertisers) > NAMES_SHOWN else ""
    return ConnectionCheck(
        checked_at=now,
        ok=True,
        message=f"TikTok accepted the token: {len(advertisers)} advertiser(s).",
        owner_name=names + more,
        owner_id=ctx.settings.tiktok_app_id or None,
    )


def advertisers_with_stores(ctx: LookupContext) -> list[Advertiser]:
    """Every advertiser the token reaches, each with its stores where GMV Max is available."""
    with _tiktok(ctx) as client:
        found = _advertisers(ctx, client)
        return [replace(a, stores=_gmv_max_stores(client, a.advertiser_id)) for a in found]


def _advertisers(ctx: LookupContext, client: TikTokClient) -> list[Advertiser]:
    settings = ctx.settings
    secret = settings.tiktok_app_secret.get_secret_value() if settings.tiktok_app_secret else ""
    listed = client.get("/oauth2/advertiser/get/", {"app_id": settings.tiktok_app_id, "secret": secret})
    listed_items = listed.get("list") or []
    ids = [str(item["advertiser_id"]) for item in listed_items]
    infos: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), MAX_IDS_PER_INFO_CALL):
        chunk = ids[start : start + MAX_IDS_PER_INFO_CALL]
        data = client.get("/advertiser/info/", {"advertiser_ids": chunk, "fields": INFO_FIELDS})
        infos.update({str(info.get("advertiser_id")): info for info in data.get("list") or []})
    names = {str(item["advertiser_id"]): str(item.get("advertiser_name") or "") for item in listed_items}
    return [_advertiser(one, names[one], infos.get(one, {})) for one in ids]


def _advertiser(advertiser_id: str, listed_name: str, info: dict[str, Any]) -> Advertiser:
    return Advertiser(
        advertiser_id=advertiser_id,
        name=str(info.get("name") or listed_name),
        currency=str(info.get("currency") or ""),
        timezone=str(info.get("timezone") or info.get("display_timezone") or ""),
    )


def _gmv_max_stores(client: TikTokClient, advertiser_id: str) -> tuple[Store, ...]:
    data = client.get("/gmv_max/store/list/", {"advertiser_id": advertiser_id})
    stores: dict[str, Store] = {}
    for item in data.get("store_list") or []:
        # TikTok sometimes lists a store twice: keep each once.
        if item.get("is_gmv_max_available") and str(item.get("store_id")) not in stores:
            stores[str(item["store_id"])] = Store(str(item["store_id"]), str(item.get("store_name") or ""))
    return tuple(stores.values())
