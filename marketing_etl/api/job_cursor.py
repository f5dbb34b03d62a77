"""The jobs list's `cursor`: where the next (or previous) page starts, as an opaque string.

It holds the sort, a job's value of the sort field and its job_id (storage/job_pages_base.py's
PageKey), and the direction: "a" for the jobs after that one, "b" for those before it. URL-safe
base64 of a small JSON object; nothing secret, so it is not signed: an edited cursor only moves
the position. A cursor made for another sort is refused, as the position means nothing there.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, Literal, NoReturn

from fastapi.exceptions import RequestValidationError

from marketing_etl.storage.common import NULLABLE_SORT_FIELDS
from marketing_etl.storage.job_pages_base import PageKey

Direction = Literal["after", "before"]
_CODES: dict[Direction, str] = {"after": "a", "before": "b"}
_TIMES = frozenset({"created_at", *NULLABLE_SORT_FIELDS})


def encode(sort: str, key: PageKey, direction: Direction) -> str:
    value = key.value.isoformat() if isinstance(key.value, datetime) else key.value
    raw = json.dumps({"s": sort, "v": value, "id": key.job_id, "d": _CODES[direction]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, sort: str) -> tuple[PageKey, Direction]:
    """The position and direction in `cursor`, or a 422 naming the query parameter."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        direction = next(name for name, code in _CODES.items() if code == data["d"])
        job_id, value = data["id"], data["v"]
        if not isinstance(job_id, str) or not isinstance(data["s"], str):
            raise ValueError("not a cursor")
        if data["s"] != sort:
            _refuse(f"this cursor pages the jobs sorted by '{data['s']}', not '{sort}'; send that sort")
        return PageKey(_value(sort.removeprefix("-"), value), job_id), direction
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError, StopIteration):
        _refuse("not a cursor of this jobs list; send next_cursor or prev_cursor as received, or page=")


def _value(field: str, value: Any) -> Any:
    if value is None and field in NULLABLE_SORT_FIELDS:
        return None
    if not isinstance(value, str):
        raise ValueError("not a cursor")
    return datetime.fromisoformat(value) if field in _TIMES else value


def _refuse(message: str) -> NoReturn:
    raise RequestValidationError([{"loc": ("query", "cursor"), "msg": message, "type": "value_error"}])
