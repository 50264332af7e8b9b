"""Layers that only point down, counted over every import of the tree.

``lint-imports`` (the contracts in pyproject.toml) says the same in ``.ci/run``; this
test keeps the rule in the ordinary suite, counts imports inside functions and
``TYPE_CHECKING`` blocks too, and names each offending import when it fails.

The layers, bottom up: ``models`` (the store) <- the core of ``intake_api`` <- channels
(``intake_api.web``, ``intake_api.api``, ``bots.telegram``, ``bots.slack``) <- the
composition root (``intake_api.app``, ``intake_api.cli``).
"""

from __future__ import annotations

from collections.abc import Iterator

import grimp
import pytest

STORE = "models"
ROOT = ("intake_api.app", "intake_api.cli")
CHANNELS = ("intake_api.web", "intake_api.api", "bots.telegram", "bots.slack")

Import = tuple[str, str]


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("intake_api", "bots", "models", include_external_packages=False)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _channel(module: str) -> str | None:
    return next((channel for channel in CHANNELS if _within(module, channel)), None)


def _layer(module: str) -> int:
    """0 the store, 1 the core, 2 a channel, 3 the composition root."""
    if _within(module, STORE):
        return 0
    if any(_within(module, root) for root in ROOT):
        return 3
    if _channel(module) is not None or _within(module, "bots"):
        return 2
    return 1


def _imports(graph: grimp.ImportGraph) -> Iterator[Import]:
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            yield importer, imported


def _listed(imports: list[Import]) -> str:
    return "\n".join(f"  {importer} -> {imported}" for importer, imported in imports)


def test_no_import_points_up(graph: grimp.ImportGraph) -> None:
    upward = [(a, b) for a, b in _imports(graph) if _layer(b) > _layer(a)]
    assert not upward, (
        f"imports that point up a layer (move the code down, or wire it in intake_api.app):\n{_listed(upward)}"
    )


def test_only_the_composition_root_imports_bots(graph: grimp.ImportGraph) -> None:
    outside = [
        (a, b)
        for a, b in _imports(graph)
        if _within(b, "bots") and not _within(a, "bots") and _layer(a) != 3
    ]
    assert not outside, (
        f"imports of bots outside intake_api.app and intake_api.cli:\n{_listed(outside)}"
    )


def test_channels_never_import_each_other(graph: grimp.ImportGraph) -> None:
    across = [
        (a, b)
        for a, b in _imports(graph)
        if _channel(a) is not None and _channel(b) is not None and _channel(a) != _channel(b)
    ]
    assert not across, (
        f"channel-to-channel imports (share through the core instead):\n{_listed(across)}"
    )


def test_no_import_cycles(graph: grimp.ImportGraph) -> None:
    cycles = [sorted(component) for component in _strongly_connected(graph) if len(component) > 1]
    listed = "\n".join("  " + " <-> ".join(cycle) for cycle in cycles)
    assert not cycles, f"modules that import each other, directly or through others:\n{listed}"


def _strongly_connected(graph: grimp.ImportGraph) -> list[set[str]]:
    """Tarjan's algorithm, iterative: each set is a group of modules that reach each other."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, successors = work[-1]
            successor = next(successors, None)
            if successor is not None:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append(
                        (
                            successor,
                            iter(sorted(graph.find_modules_directly_imported_by(successor))),
                        )
                    )
                elif successor in on_stack:
                    low[module] = min(low[module], index[successor])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == module:
                        break
                components.append(component)
    return components


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(module)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    graph.add_import(importer="a.d", imported="a.b")
    assert [c for c in _strongly_connected(graph) if len(c) > 1] == [{"a.b", "a.c"}]
