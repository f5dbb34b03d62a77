"""The plugin contract, checked when a plugin registers; discovery through the entry-point group."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest

from marketing_etl.context import JobContext
from marketing_etl.contracts.plugins import FieldProblem, PluginContractError, Source
from marketing_etl.contracts.report import Report
from marketing_etl.job_spec import JobSpec
from marketing_etl.plugins import Plugins, default_plugins
from marketing_etl.settings import Settings
from marketing_etl.sources.facebook import FacebookSource
from marketing_etl.sources.tiktok import TikTokReportSource
from tests.plugins import MemoryDestination, ScriptedSource, StandInSource

BUILT_IN_NAMES = [
    "facebook_daily",
    "facebook_performance",
    "facebook_breakdown",
    "product",
    "creative",
    "tiktok_product",
    "tiktok_creative",
]


class OldStyleValidate(StandInSource):
    """validate as it was before the contract: without settings."""

    def validate(self, spec: JobSpec) -> list[Any]:  # type: ignore[override]
        return []


class NoFetch:
    platform = "acme"
    display_name = "Acme"
    task_types = ("acme_daily",)
    aliases: Mapping[str, str] = MappingProxyType({})

    def validate(self, spec: JobSpec, settings: object) -> list[Any]:
        return []

    def catalog(self, task_type: str) -> object:
        return None


class NoCatalog(Source):
    """Subclasses the contract but leaves catalog out: it would inherit the empty stub."""

    platform = "acme"
    display_name = "Acme"
    task_types = ("acme_daily",)
    aliases: Mapping[str, str] = MappingProxyType({})

    def validate(self, spec: JobSpec, settings: Settings) -> list[FieldProblem]:
        return []

    def fetch(self, ctx: JobContext) -> Report:
        raise NotImplementedError


class StrayAlias(StandInSource):
    def __init__(self) -> None:
        super().__init__("facebook", ("facebook_daily",))
        self.aliases = {"fb_daily": "facebook_weekly"}


class NoWrite:
    def validate(self, spec: JobSpec, settings: object) -> list[Any]:
        return []


def two_argument_transform(ctx: JobContext, report: Report) -> Report:
    return report


def one_argument_transform(report: Report) -> Report:
    return report


def refusal(register: Any, plugin: object) -> str:
    with pytest.raises(PluginContractError) as refused:
        register(plugin)
    return str(refused.value)


def test_a_source_with_a_wrong_signature_is_refused_naming_it_and_the_hook() -> None:
    message = refusal(Plugins().sources.register, OldStyleValidate())
    assert message == (
        "source plugin tests.test_plugins.OldStyleValidate: validate has the signature "
        "validate(spec: 'JobSpec') -> 'list[Any]'; the contract is validate(spec, settings)"
    )


def test_a_source_missing_a_hook_is_refused() -> None:
    assert refusal(Plugins().sources.register, NoFetch()) == (
        "source plugin tests.test_plugins.NoFetch: fetch is missing: the contract is fetch(ctx)"
    )


def test_a_hook_left_to_the_protocols_stub_counts_as_missing() -> None:
    source = NoCatalog()  # type: ignore[abstract]
    assert refusal(Plugins().sources.register, source) == (
        "source plugin tests.test_plugins.NoCatalog: catalog is missing: the contract is catalog(task_type)"
    )


def test_an_alias_must_point_at_one_of_the_sources_task_types() -> None:
    assert refusal(Plugins().sources.register, StrayAlias()) == (
        "source plugin tests.test_plugins.StrayAlias: aliases point at facebook_weekly, "
        "not one of its task_types"
    )


def test_destinations_and_transforms_are_checked_too() -> None:
    plugins = Plugins()
    assert "write is missing" in refusal(lambda d: plugins.destinations.register("x", d), NoWrite())
    assert refusal(plugins.transforms.add, one_argument_transform) == (
        "transform plugin tests.test_plugins.one_argument_transform: __call__ has the signature "
        "__call__(report: 'Report') -> 'Report'; the contract is __call__(ctx, report)"
    )
    plugins.transforms.add(two_argument_transform)
    assert list(plugins.transforms) == [two_argument_transform]


def test_a_task_type_belongs_to_one_source() -> None:
    plugins = Plugins()
    plugins.sources.register(TikTokReportSource("product"))
    message = refusal(plugins.sources.register, ScriptedSource("tiktok", ("creative", "product")))
    assert message == (
        "source plugin tests.plugins.ScriptedSource: task type 'product' is already served by "
        "marketing_etl.sources.tiktok.source.TikTokReportSource; a task type belongs to one source"
    )
    assert plugins.sources.task_types() == ["product"]  # nothing of the refused source was kept


def test_replace_serves_the_task_types_with_the_new_source() -> None:
    plugins = Plugins()
    plugins.sources.register(FacebookSource())
    stand_in = ScriptedSource("facebook", ("facebook_daily",))
    plugins.sources.replace(stand_in)
    assert plugins.sources.get("facebook_daily") is stand_in
    assert isinstance(plugins.sources.get("facebook_performance"), FacebookSource)
    assert list(plugins.sources) == [plugins.sources.get("facebook_performance"), stand_in]


def test_the_built_in_plugins_come_from_the_entry_point_group() -> None:
    plugins = default_plugins()
    assert plugins.sources.names() == BUILT_IN_NAMES
    assert plugins.sources.resolve("tiktok_creative") == "creative"
    assert plugins.sources.resolve("facebook_weekly") is None
    assert plugins.sources.task_types_of("facebook") == BUILT_IN_NAMES[:3]
    assert plugins.sources.platform_of("product") == "tiktok"
    assert plugins.destinations.names() == ["csv", "sheets", "xlsx"]
    assert [t.__name__ for t in plugins.transforms] == ["convert_currency"]  # type: ignore[attr-defined]


def test_extra_plugins_hooks_run_after_the_installed_ones() -> None:
    plugins = default_plugins("tests.plugins:register")
    assert isinstance(plugins.sources.get("product"), ScriptedSource)
    assert plugins.sources.resolve("tiktok_product") == "product"
    assert isinstance(plugins.destinations.get("sheets"), MemoryDestination)


def test_an_extra_plugin_breaking_the_contract_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def clashing(plugins: Plugins) -> None:
        plugins.sources.register(StandInSource("tiktok", ("product",)))

    monkeypatch.setattr("tests.plugins.clashing", clashing, raising=False)
    with pytest.raises(PluginContractError) as refused:
        default_plugins("tests.plugins:clashing")
    assert str(refused.value).startswith("EXTRA_PLUGINS entry 'tests.plugins:clashing': source plugin")
    with pytest.raises(ValueError, match=r"must look like package\.module:function"):
        default_plugins("tests.plugins")
