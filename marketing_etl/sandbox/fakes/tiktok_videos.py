"""The fake's /gmv_max/video/get/: the store's posts, 50 a page at most, in TikTok's shape.

The list is derived from the creatives the report knows: one entry per post (item_id) with its
caption (`text`, the report's title), the products it carries (`spu_id_list`) and the posting
account (`identity_info`). `display_name` is the account's shown name, which is also what the
report calls tt_account_name; it is not the @username. Posts in `removed_items` and product cards
(item_id -1) are not listed. An account the token cannot see (the report's "0" / "-1") is listed
with its id and type only.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Any

from marketing_etl.sandbox.fakes.tiktok_data import Creative, Dataset
from marketing_etl.sandbox.fakes.tiktok_wire import ApiError, Query

MAX_IDENTITIES = 20
_NO_ACCESS = {"0", "-1"}


def video_items(data: Dataset, query: Query) -> list[dict[str, Any]]:
    """The posts the query asks for, unpaged."""
    if query.text("store_id") != data.store_id or query.text("store_authorized_bc_id") != data.bc_id:
        raise ApiError(40002, "store_id or store_authorized_bc_id does not match an authorized store")
    spus = query.json("spu_id_list", default=[])
    identities = query.json("identity_list", default=[])
    if not isinstance(spus, list) or not isinstance(identities, list):
        raise ApiError(40002, "spu_id_list and identity_list must be JSON arrays")
    if len(identities) > MAX_IDENTITIES:
        raise ApiError(40002, f"identity_list: max size {MAX_IDENTITIES}")
    wanted_ids = {str(i.get("identity_id")) for i in identities if isinstance(i, dict)}
    items = _all_items(data)
    return [
        item
        for item in items
        if (not spus or set(spus) & set(item["spu_id_list"]))
        and (not wanted_ids or item["identity_info"]["identity_id"] in wanted_ids)
    ]


def _all_items(data: Dataset) -> list[dict[str, Any]]:
    posts: dict[str, Creative] = {}
    spus: dict[str, set[str]] = defaultdict(set)
    for creative in data.creatives:
        if creative.item_id in ("-1", "0") or creative.item_id in data.removed_items:
            continue
        posts.setdefault(creative.item_id, creative)
        spus[creative.item_id].add(creative.item_group_id)
    return [_item(data, post, sorted(spus[item_id])) for item_id, post in sorted(posts.items())]


def _item(data: Dataset, post: Creative, spu_ids: list[str]) -> dict[str, Any]:
    account = post.metrics.get("tt_account_name", "-")
    identity: dict[str, Any] = {"identity_id": "-1", "identity_type": "TT_USER"}
    if account not in _NO_ACCESS:
        identity = {
            "identity_id": _stable_id(account),
            "identity_type": "TT_USER",
            "display_name": account,
            "profile_image": post.metrics.get("tt_account_profile_image_url", ""),
            "identity_authorized_bc_id": data.bc_id,
            "store_id": data.store_id,
        }
    return {
        "item_id": post.item_id,
        "text": post.metrics.get("title", ""),
        "spu_id_list": spu_ids,
        "identity_info": identity,
        "video_info": {
            "video_id": f"v{_stable_id(post.item_id)}",
            "preview_url": f"https://video.example/{post.item_id}.mp4",
            "video_cover_url": f"https://video.example/{post.item_id}.jpg",
            "duration": 15.0,
            "width": 720,
            "height": 1280,
        },
        "can_change_anchor": False,
    }


def _stable_id(text: str) -> str:
    return str(int(hashlib.sha256(text.encode()).hexdigest()[:15], 16))
