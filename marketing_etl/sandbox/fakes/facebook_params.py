"""The fake Graph API's request parsing and cursor paging.

How the fake reads an insights request's parameters into a Query (JSON `time_range` and
`filtering`, lists as JSON arrays or comma lists), keys the request for its cached results, and
writes and reads the base64 paging cursors and `next` links Facebook sends. Pure functions of the
request, kept apart from the routing (facebook_graph.py).
"""

from __future__ import annotations

import base64
import json
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from marketing_etl.sandbox.fakes.facebook_insights import Query


def parse_query(params: dict[str, str]) -> Query:
    time_range = json.loads(params.get("time_range", "{}"))
    filters = json.loads(params.get("filtering", "[]"))
    increment = params.get("time_increment", "all_days")
    return Query(
        level=params.get("level", "account"),
        since=date.fromisoformat(time_range["since"]),
        until=date.fromisoformat(time_range["until"]),
        daily=increment == "1",
        breakdowns=tuple(_list(params.get("breakdowns", ""))),
        fields=tuple(_list(params.get("fields", "impressions,spend"))),
        filters=tuple((f["field"], f["operator"], f.get("value")) for f in filters),
    )


def _list(raw: str) -> list[str]:
    """Graph takes lists as JSON arrays or comma lists."""
    if raw.startswith("["):
        return [str(item) for item in json.loads(raw)]
    return [item for item in raw.split(",") if item]


def query_key(params: dict[str, str]) -> str:
    return json.dumps({k: v for k, v in sorted(params.items()) if k not in ("after", "limit")})


def encode_cursor(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().replace("=", "ZD")


def decode_cursor(cursor: str) -> int:
    return int(base64.b64decode(cursor.replace("ZD", "=")).decode())


def with_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != name] + [(name, value)]
    return urlunsplit(parts._replace(query=urlencode(query)))
