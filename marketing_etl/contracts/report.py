"""What a source hands to transforms and destinations: typed columns and a stream of rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text, id, date, datetime, integer, money, ratio, percent, formula


@dataclass
class Report:
    columns: list[Column]
    rows: Iterable[Sequence[Any]]  # one sequence per report line, in column order; may be lazy
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. currency per account


@dataclass(frozen=True)
class WriteResult:
    rows_written: int
    url: str | None = None  # sheet URL or download path, shown to the user
