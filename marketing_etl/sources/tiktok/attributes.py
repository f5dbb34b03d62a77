"""Creative titles, TikTok account names and pictures, read in bulk.

The report returns these attributes only when filtered to one campaign and one product, which
costs one call per (campaign, product) pair. /gmv_max/video/get/ lists the store's posts 50 at a
time with the same facts (`text`, `identity_info.display_name`, `identity_info.profile_image`),
joined on item_id. Posts it does not list (removed, or of an account the token cannot see) fall
back to the per-pair report call, only for the pairs that have such a post.

The list is filtered by spu_id_list to the products with delivery. Its identity_list filter
would need the posting accounts, which only the posts themselves name, so it cannot cut pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marketing_etl.context import JobContext
from marketing_etl.sources.tiktok.client import TikTokClient
from marketing_etl.sources.tiktok.dates import Window
from marketing_etl.sources.tiktok.fields import CREATIVE_ATTRIBUTES
from marketing_etl.sources.tiktok.parallel import map_in_threads
from marketing_etl.sources.tiktok.queries import ReportRow, batches, report
from marketing_etl.sources.tiktok.shaping import Lookups

VIDEO_PATH = "/gmv_max/video/get/"
VIDEO_PAGE_SIZE = 50
# TikTok's stand-in item_ids for a creative without a post (a product card): nothing to look up.
NO_POST = frozenset({"-1", "0", ""})


@dataclass(frozen=True)
class Attributes:
    """A post's attributes as TikTok's raw strings; None where TikTok gave none."""

    title: str | None
    account_name: str | None
    profile_image_url: str | None


def creative_attributes(
    ctx: JobContext, client: TikTokClient, lookups: Lookups, window: Window, rows: Sequence[ReportRow]
) -> dict[str, Attributes]:
    """Attributes of every post in `rows` (metric rows keyed by campaign, product and item)."""
    wanted = {row.dimensions["item_id"] for row in rows} - NO_POST
    if not wanted:
        return {}
    found: dict[str, Attributes] = {}
    if lookups.store.bc_id:  # the video list needs the store's business centre
        products = sorted({row.dimensions["item_group_id"] for row in rows})
        found = {item: a for item, a in read_videos(client, lookups, products).items() if item in wanted}
    missing = wanted - found.keys()
    if missing:
        pairs = sorted(
            {
                (r.dimensions["campaign_id"], r.dimensions["item_group_id"])
                for r in rows
                if r.dimensions["item_id"] in missing
            }
        )
        ctx.log(
            f"{len(missing)} of {len(wanted)} creatives are not in TikTok's video list (removed, or of an "
            f"account this token cannot see); reading their titles with {len(pairs)} per-product report calls"
        )
        found.update(_per_pair(client, lookups, window, pairs))
    return found


def read_videos(client: TikTokClient, lookups: Lookups, products: Sequence[str]) -> dict[str, Attributes]:
    """The store's posts for these products, by item_id. Filtering by the products with delivery
    leaves out the store's other posts, up to 100 products a call."""
    store, spec = lookups.store, lookups.spec
    assert store.bc_id
    params: dict[str, object] = {
        "advertiser_id": spec.advertiser_id,
        "store_id": spec.store_id,
        "store_authorized_bc_id": store.bc_id,
        "need_auth_code_video": True,  # else posts of AUTH_CODE accounts are left out
    }
    found: dict[str, Attributes] = {}
    for batch in batches(products):
        items = client.pages(
            VIDEO_PATH, {**params, "spu_id_list": batch}, list_key="item_list", page_size=VIDEO_PAGE_SIZE
        )
        found.update(_from_video(item) for item in items if item.get("item_id"))
    return found


def _from_video(item: Mapping[str, Any]) -> tuple[str, Attributes]:
    identity = item.get("identity_info") or {}
    # display_name is the account's shown name, as the report's tt_account_name; not its @username.
    return str(item["item_id"]), Attributes(
        _raw(item.get("text")), _raw(identity.get("display_name")), _raw(identity.get("profile_image"))
    )


def _per_pair(
    client: TikTokClient, lookups: Lookups, window: Window, pairs: Sequence[tuple[str, str]]
) -> dict[str, Attributes]:
    def one(pair: tuple[str, str]) -> list[ReportRow]:
        filtering = {"campaign_ids": [pair[0]], "item_group_ids": [pair[1]]}
        return report(client, lookups.spec, window, ("item_id",), CREATIVE_ATTRIBUTES, filtering)

    rows: Iterable[ReportRow] = (row for found in map_in_threads(one, pairs, client.workers) for row in found)
    return {
        row.dimensions["item_id"]: Attributes(*(_raw(row.metrics.get(name)) for name in CREATIVE_ATTRIBUTES))
        for row in rows
        if row.dimensions.get("item_id")
    }


def _raw(value: object) -> str | None:
    return None if value is None else str(value)
