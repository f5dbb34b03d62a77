"""The fake TikTok API's answers about the token: the advertisers it reaches
(oauth2/advertiser/get/) and their details (advertiser/info/), from the served data set."""

from __future__ import annotations

from typing import Any

from marketing_etl.sandbox.fakes.tiktok_data import Dataset
from marketing_etl.sandbox.fakes.tiktok_wire import ApiError, Query


def advertisers_of_token(data: Dataset, query: Query) -> dict[str, Any]:
    # The real endpoint needs the app's id and secret beside the token: their presence is checked.
    query.text("app_id")
    query.text("secret")
    return {"list": [{"advertiser_id": data.advertiser_id, "advertiser_name": data.advertiser_name}]}


def advertiser_info(data: Dataset, query: Query) -> dict[str, Any]:
    ids = query.json("advertiser_ids")
    if not isinstance(ids, list) or not ids:
        raise ApiError(40002, "advertiser_ids: send a JSON array of advertiser ids")
    if any(str(advertiser_id) != data.advertiser_id for advertiser_id in ids):
        raise ApiError(40001, "No permission to operate advertiser")
    info = {
        "advertiser_id": data.advertiser_id,
        "name": data.advertiser_name,
        "currency": data.currency,
        "timezone": data.timezone,
        "display_timezone": data.timezone,
        "status": "STATUS_ENABLE",
    }
    return {"list": [info]}
