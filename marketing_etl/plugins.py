"""Sources and destinations plug into the runner through these registries.

A source turns a job into a `Report` (columns + a stream of rows); transforms reshape a Report;
a destination writes it and says where. The runner knows nothing else about them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from marketing_etl.contracts.report import Report, WriteResult

if TYPE_CHECKING:
    from marketing_etl.context import JobContext


class Source(Protocol):
    def fetch(self, ctx: JobContext) -> Report: ...


class Destination(Protocol):
    def write(self, ctx: JobContext, report: Report) -> WriteResult: ...


Transform = Callable[["JobContext", Report], Report]

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str, item: T) -> None:
        self._items[name] = item

    def get(self, name: str) -> T | None:
        return self._items.get(name)

    def names(self) -> list[str]:
        return sorted(self._items)


@dataclass
class Plugins:
    sources: Registry[Source] = field(default_factory=lambda: Registry[Source]("source"))
    destinations: Registry[Destination] = field(
        default_factory=lambda: Registry[Destination]("destination")
    )
    transforms: list[Transform] = field(default_factory=list)


# The modules this installation ships; each hook is `register(plugins: Plugins) -> None`.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "marketing_etl.destinations:register",
    "marketing_etl.sources.tiktok:register",
    "marketing_etl.sources.facebook:register",
    "marketing_etl.transforms:register",
)


def default_plugins(extra: str | None = None) -> Plugins:
    """The sources and destinations this installation ships, then the EXTRA_PLUGINS hooks:
    comma-separated `module:function` names, each called with the Plugins to register into."""
    plugins = Plugins()
    extras = [s.strip() for s in (extra or "").split(",") if s.strip()]
    for spec in [*BUILTIN_PLUGINS, *extras]:
        _load_hook(spec)(plugins)
    return plugins


def _load_hook(spec: str) -> Callable[[Plugins], object]:
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise ValueError(f"EXTRA_PLUGINS entry '{spec}' must look like package.module:function")
    hook = getattr(importlib.import_module(module_name), attr, None)
    if not callable(hook):
        raise ValueError(f"EXTRA_PLUGINS entry '{spec}' is not a function")
    return hook  # type: ignore[no-any-return]
