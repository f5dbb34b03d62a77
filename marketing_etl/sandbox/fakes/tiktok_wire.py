"""What every fake TikTok endpoint shares: the error, the envelope, query parsing and paging."""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

from starlette.responses import JSONResponse


class ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def envelope(code: int, message: str, data: dict[str, Any]) -> JSONResponse:
    body = {"code": code, "message": message, "request_id": "20261001000000FAKE", "data": data}
    return JSONResponse(body)


class Query:
    def __init__(self, params: dict[str, str]) -> None:
        self._params = params

    def text(self, name: str) -> str:
        value = self._params.get(name)
        if value is None:
            raise ApiError(40002, f"Missing required field(s): {name}")
        return value

    def json(self, name: str, default: Any = None) -> Any:
        if name not in self._params and default is not None:
            return default
        try:
            return json.loads(self.text(name))
        except json.JSONDecodeError as error:
            raise ApiError(40002, f"{name}: invalid JSON") from error

    def date(self, name: str) -> date:
        try:
            return date.fromisoformat(self.text(name))
        except ValueError as error:
            raise ApiError(40002, f"{name}: use YYYY-MM-DD") from error

    def integer(self, name: str, default: int) -> int:
        try:
            return int(self._params.get(name, default))
        except ValueError as error:
            raise ApiError(40002, f"{name}: must be an integer") from error


def page(
    query: Query, items: list[Any], key: str, *, max_page_size: int, clamp: int | None
) -> dict[str, Any]:
    """One page of `items` as TikTok pages: page_info with the total page count; `clamp` serves
    fewer items than page_size, as TikTok sometimes does."""
    number, size = query.integer("page", 1), query.integer("page_size", 10)
    if number < 1 or not 1 <= size <= max_page_size:
        raise ApiError(40002, f"page must be >= 1 and page_size between 1 and {max_page_size}")
    served = min(size, clamp or size)
    total_pages = math.ceil(len(items) / served)
    chunk = items[(number - 1) * served : number * served]
    info = {"page": number, "page_size": size, "total_number": len(items), "total_page": total_pages}
    return {key: chunk, "page_info": info}
