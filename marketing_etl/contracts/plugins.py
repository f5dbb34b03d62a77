"""The plugin contract, declared once: what a source, a destination and a transform provide.

A platform package implements `Source` (subclassing it lets mypy check every hook's signature)
and registers it from a `register(plugins)` hook, found through the `marketing_etl.plugins`
entry-point group (see docs/plugins.md). `check_source` / `check_destination` /
`check_transform` run when a plugin registers: a missing hook or one that cannot be called the
way the runner and the validation call it is refused there, naming the plugin and the hook,
instead of failing on the first job.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn, Protocol

from marketing_etl.contracts.report import Report, WriteResult
from marketing_etl.job_spec import JobSpec
from marketing_etl.settings import Settings

if TYPE_CHECKING:
    from marketing_etl.context import JobContext


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with a create-job body: the field and the fix, in a marketer's words."""

    field: str
    message: str


@dataclass(frozen=True)
class CatalogField:
    name: str
    kind: str  # text, id, date, datetime, integer, money, ratio, percent or formula


@dataclass(frozen=True)
class FieldGroup:
    label: str
    fields: tuple[CatalogField, ...]


@dataclass(frozen=True)
class CatalogTemplate:
    """A named report shape that `template_name` picks (Facebook's 17 templates)."""

    name: str
    level: str
    breakdowns: tuple[str, ...]
    time_increment: int | None  # 1: a row per day; None: one row for the whole range
    default_fields: tuple[str, ...]
    groups: tuple[FieldGroup, ...]
    description: str = ""  # the platform's limits on this template's data, for clients


@dataclass(frozen=True)
class TaskCatalog:
    """What a task type offers: templates to pick from, or (without templates) its fields."""

    task_type: str
    templates: tuple[CatalogTemplate, ...] = ()
    fields: tuple[CatalogField, ...] = ()


class Source(Protocol):
    """Turns a job of one of its task types into a Report."""

    platform: str  # the platform's name ("facebook"): dashboards group jobs and API calls by it
    display_name: str  # as users know it ("Facebook"), in messages such as a missing token's
    task_types: tuple[str, ...]  # the task types it serves; no two sources may serve the same one
    aliases: Mapping[str, str]  # other names clients may send, each mapped to one of task_types

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        """Problems with the fields only this platform understands; [] when it may run."""

    def catalog(self, task_type: str) -> TaskCatalog:
        """The templates or fields of one of `task_types`, for GET /reports/templates."""

    def fetch(self, ctx: JobContext) -> Report:
        """The job's report: its columns, and its rows as a (lazy) stream."""


class Destination(Protocol):
    """Writes a Report somewhere and says where."""

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        """Problems with the server's setup or the job's fields for this destination."""

    def write(self, ctx: JobContext, report: Report) -> WriteResult:
        """Every row of the report, written; the count and where to find them."""


class Transform(Protocol):
    """Reshapes a Report between the source and the destination (columns, currency)."""

    def __call__(self, ctx: JobContext, report: Report) -> Report: ...


class PluginContractError(TypeError):
    """A plugin that does not implement the contract, refused when it registers."""


# The hooks the runner and the validation call, with the arguments they pass.
_SOURCE_METHODS = {"validate": ("spec", "settings"), "catalog": ("task_type",), "fetch": ("ctx",)}
_DESTINATION_METHODS = {"validate": ("spec", "settings"), "write": ("ctx", "report")}
_TRANSFORM_ARGS = ("ctx", "report")


def check_source(source: object) -> None:
    """Refuse a source with a missing or uncallable hook, or inconsistent task types."""
    _check_methods("source", source, Source, _SOURCE_METHODS)
    for name in ("platform", "display_name"):
        value = _attribute("source", source, name)
        if not isinstance(value, str) or not value:
            _refuse("source", source, name, "must be a non-empty str")
    task_types = _attribute("source", source, "task_types")
    if not isinstance(task_types, tuple) or not task_types or not all(
        isinstance(t, str) and t for t in task_types
    ):
        _refuse("source", source, "task_types", "must be a non-empty tuple of task type names")
    aliases = _attribute("source", source, "aliases")
    if not isinstance(aliases, Mapping):
        _refuse("source", source, "aliases", "must be a mapping of alias to task type")
    strays = sorted(str(target) for target in aliases.values() if target not in task_types)
    if strays:
        _refuse("source", source, "aliases", f"point at {', '.join(strays)}, not one of its task_types")


def check_destination(destination: object) -> None:
    _check_methods("destination", destination, Destination, _DESTINATION_METHODS)


def check_transform(transform: object) -> None:
    if not callable(transform):
        _refuse("transform", transform, "__call__", "is missing: it is called as transform(ctx, report)")
    _check_call("transform", transform, "__call__", transform, _TRANSFORM_ARGS)


def plugin_name(plugin: object) -> str:
    kind = plugin if inspect.isfunction(plugin) or inspect.isclass(plugin) else type(plugin)
    return f"{kind.__module__}.{kind.__qualname__}"


def _check_methods(
    kind: str, plugin: object, protocol: type, methods: Mapping[str, tuple[str, ...]]
) -> None:
    for hook, args in methods.items():
        method = getattr(plugin, hook, None)
        if not callable(method) or _inherited_stub(plugin, protocol, hook):
            _refuse(kind, plugin, hook, f"is missing: the contract is {hook}({', '.join(args)})")
        _check_call(kind, plugin, hook, method, args)


def _check_call(
    kind: str, plugin: object, hook: str, method: Callable[..., object], args: tuple[str, ...]
) -> None:
    """The hook must accept exactly the arguments the pipeline passes, by position."""
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):
        return  # a builtin without a readable signature: nothing to compare against
    try:
        signature.bind(*args)
    except TypeError:
        contract = f"{hook}({', '.join(args)})"
        _refuse(kind, plugin, hook, f"has the signature {hook}{signature}; the contract is {contract}")


def _attribute(kind: str, plugin: object, name: str) -> object:
    if not hasattr(plugin, name):
        _refuse(kind, plugin, name, "is missing")
    return getattr(plugin, name)


def _inherited_stub(plugin: object, protocol: type, name: str) -> bool:
    """A class that subclasses the protocol but leaves a hook out inherits its empty stub."""
    if name in getattr(plugin, "__dict__", {}):
        return False  # set on the instance, e.g. in __init__
    found = inspect.getattr_static(type(plugin), name, None)
    return found is not None and found is inspect.getattr_static(protocol, name, None)


def _refuse(kind: str, plugin: object, hook: str, problem: str) -> NoReturn:
    raise PluginContractError(f"{kind} plugin {plugin_name(plugin)}: {hook} {problem}")
