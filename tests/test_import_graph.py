"""The shape of the package's import graph: contracts low, wiring high, no loop.

The graph is read from the source with `ast`: every import of a marketing_etl module, at module
level and inside functions alike (a function-level import still runs, only later). Imports under
`if TYPE_CHECKING:` never run and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import marketing_etl

PACKAGE_DIR = Path(marketing_etl.__file__).parent
ROOT = "marketing_etl"
# What contracts/ may import of the project besides itself: nothing above `models`.
CONTRACTS_MAY_IMPORT = (
    "marketing_etl.models",
    "marketing_etl.job_spec",
    "marketing_etl.errors",
    "marketing_etl.settings",
)
# Lowest first; a module belongs to the layer of the longest prefix naming it. A module may
# import its own layer and those below, never one above.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "foundation",
        (
            "marketing_etl.settings",
            "marketing_etl.models",
            "marketing_etl.job_spec",
            "marketing_etl.errors",
            "marketing_etl.contracts",
            "marketing_etl.request_limits",
            "marketing_etl.fx.currencies",
            "marketing_etl.usage_figures",
        ),
    ),
    (
        "job context",
        (
            "marketing_etl.tokens",
            "marketing_etl.context",
            "marketing_etl.log_redaction",
            "marketing_etl.log_setup",
            "marketing_etl.ratelimit",
        ),
    ),
    ("outside APIs", ("marketing_etl.http",)),
    (
        "pipeline",
        (
            "marketing_etl.sources",
            "marketing_etl.transforms",
            "marketing_etl.destinations",
            "marketing_etl.fx",
            "marketing_etl.runner",
            "marketing_etl.notifications",
            "marketing_etl.plugins",
            "marketing_etl.validation",
        ),
    ),
    (
        "commands",
        (
            "marketing_etl.services",
            "marketing_etl.jobs",
            "marketing_etl.job_errors",
            "marketing_etl.key_rotation",
            "marketing_etl.connections",
            "marketing_etl.schedules",
            "marketing_etl.maintenance",
            "marketing_etl.dashboard",
            "marketing_etl.metrics",
        ),
    ),
    ("drivers", ("marketing_etl.storage", "marketing_etl.executors")),
    ("interfaces", ("marketing_etl.api", "marketing_etl.sandbox")),
    (
        "entry points",
        (
            "marketing_etl",  # the package itself: __version__, read by the CLI and the app
            "marketing_etl.wiring",
            "marketing_etl.cli",
            "marketing_etl.cli_run",
            "marketing_etl.cli_ops",
            "marketing_etl.cli_migrate",
            "marketing_etl.cli_history",
            "marketing_etl.celery_worker",
            "marketing_etl.api.app",
        ),
    ),
)

Graph = dict[str, set[str]]


def test_no_import_loop() -> None:
    graph = import_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "import loop: " + " -> ".join(cycle or [])


def test_find_cycle_names_the_loop_it_finds() -> None:
    loop = {"a": {"b"}, "b": {"c", "d"}, "c": {"a"}, "d": set()}
    assert find_cycle(loop) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_contracts_import_nothing_above_models() -> None:
    graph = import_graph()
    contracts = [name for name in graph if _within(name, "marketing_etl.contracts")]
    allowed = ("marketing_etl.contracts", *CONTRACTS_MAY_IMPORT)
    wrong = {
        (name, target)
        for name in contracts
        for target in graph[name]
        if not any(_within(target, prefix) for prefix in allowed)
    }
    assert len(contracts) >= 10  # the package was found, store and executor contracts included
    assert wrong == set()


def test_every_module_sits_in_a_layer() -> None:
    unplaced = sorted(name for name in import_graph() if layer_of(name) is None)
    assert unplaced == [], "name their layer in LAYERS (tests/test_import_graph.py)"


def test_no_layer_imports_a_higher_one() -> None:
    graph = import_graph()
    upward = sorted(
        f"{name} ({LAYERS[low][0]}) imports {target} ({LAYERS[high][0]})"
        for name, targets in graph.items()
        for target in targets
        if (low := layer_of(name)) is not None and (high := layer_of(target)) is not None and high > low
    )
    assert upward == []


def test_the_graph_sees_imports_inside_functions_and_skips_type_checking_ones() -> None:
    graph = import_graph()
    # wiring imports each store's driver only when a URL asks for it, inside open_store
    assert {"marketing_etl.storage.sql", "marketing_etl.storage.mongo"} <= graph["marketing_etl.wiring"]
    # contracts/schedules.py names Schedule in annotations only, under TYPE_CHECKING
    assert "marketing_etl.schedules.model" not in graph["marketing_etl.contracts.schedules"]


# the graph ----------------------------------------------------------------------------------------


def import_graph() -> Graph:
    files = {_module_name(path): path for path in PACKAGE_DIR.rglob("*.py")}
    return {name: _imports(name, path, set(files)) for name, path in files.items()}


def find_cycle(graph: Graph) -> list[str] | None:
    """One loop of the graph (its first module repeated at the end), or None."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path = [start]
        on_path = {start}
        pending = [iter(sorted(graph[start]))]
        while pending:
            target = next(pending[-1], None)
            if target is None:
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                pending.pop()
                continue
            if target in on_path:
                return [*path[path.index(target) :], target]
            if target not in done:
                path.append(target)
                on_path.add(target)
                pending.append(iter(sorted(graph[target])))
    return None


def layer_of(name: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = name == prefix if prefix == ROOT else _within(name, prefix)
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return None if best is None else best[1]


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(name: str, path: Path, modules: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in _running_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            # `from package import module` imports the module; `from module import name` the module
            targets.update(
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names
            )
    return {found for target in targets if (found := _known(target, modules)) and found != name}


def _running_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (their `else:` branch does run)."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        found.append(node)
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            pending.extend(node.orelse)
        else:
            pending.extend(ast.iter_child_nodes(node))
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = parts[: len(parts) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _known(target: str, modules: set[str]) -> str | None:
    """The project module `target` names (a name inside a module counts as the module)."""
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None
