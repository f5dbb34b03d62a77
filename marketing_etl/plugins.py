"""The registries sources, destinations and transforms plug into, and how plugins are found.

Plugins are `register(plugins: Plugins) -> None` hooks: every entry point of the
`marketing_etl.plugins` group (this package declares its own platforms there, in
pyproject.toml), in name order, then the EXTRA_PLUGINS `module:function` hooks, for code that
is not installed as a package. Each registration is checked against the contract
(contracts/plugins.py); a source may not take a task type or alias another already serves,
except through `replace` (tests, the sandbox).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from marketing_etl.contracts.plugins import (
    Destination,
    PluginContractError,
    Source,
    Transform,
    check_destination,
    check_source,
    check_transform,
    plugin_name,
)

ENTRY_POINT_GROUP = "marketing_etl.plugins"

Hook = Callable[["Plugins"], object]


class SourceRegistry:
    """Task types (and their aliases) to the source that serves them."""

    def __init__(self) -> None:
        self._by_task_type: dict[str, Source] = {}
        self._aliases: dict[str, str] = {}

    def register(self, source: Source) -> None:
        check_source(source)
        for name in (*source.task_types, *source.aliases):
            holder = self.get(self.resolve(name) or "")
            if holder is not None:
                raise PluginContractError(
                    f"source plugin {plugin_name(source)}: task type '{name}' is already served by "
                    f"{plugin_name(holder)}; a task type belongs to one source"
                )
        self._add(source)

    def replace(self, source: Source) -> None:
        """Serve the source's task types with it, whichever source served them before."""
        check_source(source)
        for task_type in source.task_types:
            self._by_task_type.pop(task_type, None)
        self._aliases = {a: t for a, t in self._aliases.items() if t not in source.task_types}
        self._add(source)

    def _add(self, source: Source) -> None:
        self._by_task_type.update(dict.fromkeys(source.task_types, source))
        self._aliases.update(source.aliases)

    def get(self, task_type: str) -> Source | None:
        return self._by_task_type.get(task_type)

    def resolve(self, name: str) -> str | None:
        """The task type a client's name stands for (itself, or what the alias points at)."""
        if name in self._by_task_type:
            return name
        return self._aliases.get(name)

    def task_types(self) -> list[str]:
        return list(self._by_task_type)

    def names(self) -> list[str]:
        """Every name a client may send: the task types, then the aliases."""
        return [*self._by_task_type, *self._aliases]

    def task_types_of(self, platform: str) -> list[str]:
        return [t for t, source in self._by_task_type.items() if source.platform == platform]

    def platform_of(self, task_type: str) -> str | None:
        source = self.get(task_type)
        return None if source is None else source.platform

    def __iter__(self) -> Iterator[Source]:
        """Each source once, in registration order."""
        return iter(dict.fromkeys(self._by_task_type.values()))


class DestinationRegistry:
    def __init__(self) -> None:
        self._items: dict[str, Destination] = {}

    def register(self, name: str, destination: Destination) -> None:
        """Register (or replace) the destination that jobs choose with `destination=name`."""
        check_destination(destination)
        self._items[name] = destination

    def get(self, name: str) -> Destination | None:
        return self._items.get(name)

    def names(self) -> list[str]:
        return sorted(self._items)


class TransformChain:
    """The transforms the runner applies, in the order they were added."""

    def __init__(self) -> None:
        self._items: list[Transform] = []

    def add(self, transform: Transform) -> None:
        check_transform(transform)
        self._items.append(transform)

    def __iter__(self) -> Iterator[Transform]:
        return iter(self._items)


@dataclass
class Plugins:
    sources: SourceRegistry = field(default_factory=SourceRegistry)
    destinations: DestinationRegistry = field(default_factory=DestinationRegistry)
    transforms: TransformChain = field(default_factory=TransformChain)


def default_plugins(extra: str | None = None) -> Plugins:
    """Every installed plugin (the entry-point group), then the EXTRA_PLUGINS hooks:
    comma-separated `module:function` names, each called with the Plugins to register into."""
    plugins = Plugins()
    for name, hook in _installed_hooks():
        _run(f"plugin '{name}'", hook, plugins)
    for spec in (s.strip() for s in (extra or "").split(",")):
        if spec:
            _run(f"EXTRA_PLUGINS entry '{spec}'", _load_hook(spec), plugins)
    return plugins


def _installed_hooks() -> list[tuple[str, Hook]]:
    points = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda p: p.name)
    if not points:
        # Even the built-in platforms are entry points: the package's metadata is missing or stale
        # (a leftover marketing_etl.egg-info in the working directory shadows the installed one).
        raise PluginContractError(
            f"no plugin found in the '{ENTRY_POINT_GROUP}' entry-point group: reinstall the project "
            "(pip install -e .) and remove any stale marketing_etl.egg-info directory"
        )
    hooks: list[tuple[str, Hook]] = []
    for point in points:
        hook = point.load()
        if not callable(hook):
            raise PluginContractError(f"plugin '{point.name}' ({point.value}) is not a function")
        hooks.append((point.name, hook))
    return hooks


def _run(origin: str, hook: Hook, plugins: Plugins) -> None:
    try:
        hook(plugins)
    except PluginContractError as exc:
        raise PluginContractError(f"{origin}: {exc}") from exc


def _load_hook(spec: str) -> Hook:
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise ValueError(f"EXTRA_PLUGINS entry '{spec}' must look like package.module:function")
    hook = getattr(importlib.import_module(module_name), attr, None)
    if not callable(hook):
        raise ValueError(f"EXTRA_PLUGINS entry '{spec}' is not a function")
    return hook  # type: ignore[no-any-return]
