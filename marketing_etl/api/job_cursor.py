"""The jobs list's `cursor`: where the next (or previous) page starts, as an opaque string.

It holds the sort, a job's value of the sort field and its job_id (contracts/job_pages.py's
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

from marketing_etl.contracts.job_pages import PageKey
from marketing_etl.models import JobSort

Direction = Literal["after", "before"]
_CODES: dict[Direction, str] = {"after": "a", "before": "b"}


def encode(sort: JobSort, key: PageKey, direction: Direction) -> str:
    value = key.value.isoformat() if isinstance(key.value, datetime) else key.value
    fields = {"s": str(sort), "v": value, "id": key.job_id, "d": _CODES[direction]}
    raw = json.dumps(fields, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, sort: JobSort) -> tuple[PageKey, Direction]:
    """The position and direction in `cursor`, or a 422 naming the query parameter."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        direction = next(name for name, code in _CODES.items() if code == data["d"])
        job_id, value = data["id"], data["v"]
        if not isinstance(job_id, str) or not isinstance(data["s"], str):
            raise ValueError("not a cursor")
        if data["s"] != str(sort):
            _refuse(f"this cursor pages the jobs sorted by '{data['s']}', not '{sort}'; send that sort")
        return PageKey(_value(sort, value), job_id), direction
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError, StopIteration):
        _refuse("not a cursor of this jobs list; send next_cursor or prev_cursor as received, or page=")


def _value(sort: JobSort, value: Any) -> Any:
    if value is None and sort.nullable:
        return None
    if not isinstance(value, str):
        raise ValueError("not a cursor")
    return datetime.fromisoformat(value) if sort.is_time else value


def _refuse(message: str) -> NoReturn:
    raise RequestValidationError([{"loc": ("query", "cursor"), "msg": message, "type": "value_error"}])
