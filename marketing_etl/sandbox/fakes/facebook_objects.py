"""The fake Graph API's node reads: `GET /{id}?fields=` and `GET /?ids=a,b&fields=`, with field
expansion (`creative{id,name}`), at most 50 ids, #803 for an unknown id, #100 for an unknown field.
Absent values (no lifetime budget, no story id) are left out, as Facebook does."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from marketing_etl.sandbox.fakes.facebook_world import (
    FakeAd,
    FakeAdSet,
    FakeCampaign,
    FakeCreative,
    FakePage,
    World,
)

MAX_IDS = 50
_FIELD = re.compile(r"([a-z_]+)(?:\{([^}]*)\})?")


class ObjectError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def read_ids(world: World, params: dict[str, str]) -> dict[str, Any]:
    ids = [i for i in params.get("ids", "").split(",") if i]
    if not ids:
        raise ObjectError(100, "(#100) Missing ids or an object id in the path")
    if len(ids) > MAX_IDS:
        raise ObjectError(100, f"(#100) Too many IDs. Maximum: {MAX_IDS}. Provided: {len(ids)}.")
    unknown = [i for i in ids if i not in world.objects]
    if unknown:
        raise ObjectError(803, f"(#803) Some of the aliases you requested do not exist: {','.join(unknown)}")
    return {i: read_node(world, i, params.get("fields", "")) for i in ids}


def read_node(world: World, object_id: str, fields: str) -> dict[str, Any]:
    if object_id.startswith("act_") and object_id.removeprefix("act_") in world.accounts:
        account = world.accounts[object_id.removeprefix("act_")]
        node = {
            "id": object_id,
            "account_id": account.id,
            "name": account.name,
            "currency": account.currency,
            "timezone_name": account.timezone_name,
            "account_status": 1,
        }
        return _pick(node, fields or "id,name", world)
    item = world.objects.get(object_id)
    if item is None:
        raise ObjectError(803, f"(#803) Some of the aliases you requested do not exist: {object_id}")
    return _pick(_as_node(item, world), fields or "id,name", world)


def _as_node(item: object, world: World) -> dict[str, Any]:
    if isinstance(item, FakeAd):
        node = {k: v for k, v in asdict(item).items() if k != "creative"}
        node["creative"] = item.creative
        node["adset"] = world.objects[item.adset_id]
        node["campaign"] = world.objects[item.campaign_id]
        return node
    if isinstance(item, FakeCreative):
        node = asdict(item)
        node["effective_object_story_id"] = item.object_story_id or f"{item.actor_id}_{item.id}"
        return node
    if isinstance(item, FakeAdSet | FakeCampaign | FakePage):
        return asdict(item)
    raise ObjectError(100, "(#100) Unsupported object")


def _pick(node: dict[str, Any], fields: str, world: World) -> dict[str, Any]:
    picked: dict[str, Any] = {"id": node["id"]}
    for name, sub in _FIELD.findall(fields):
        if name not in node:
            raise ObjectError(100, f"(#100) Tried accessing nonexisting field ({name}) on node {node['id']}")
        value = node[name]
        if isinstance(value, FakeCreative | FakeAdSet | FakeCampaign):
            value = _pick(_as_node(value, world), sub or "id", world)
        if value is not None:
            picked[name] = value
    return picked
