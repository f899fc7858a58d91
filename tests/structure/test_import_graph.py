"""shoring's packages depend on each other in one direction only: no package-level import cycles.

A package is the first two dotted levels of a module (shoring.engines, shoring.engines.url): a cycle between two
of them means neither can be read, tested or changed without the other, and every later change has to
untangle it first. The graph is grimp's (import-linter's engine), annotations-only imports included, since
they are a dependency of the code too.
"""

from __future__ import annotations

from collections import deque

import grimp


def package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def package_imports(graph) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(importing package, imported package) -> the module imports that make that dependency."""
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = package(module), package(imported)
            if a != b:
                out.setdefault((a, b), []).append((module, imported))
    return out


def strongly_connected(nodes: set[str], edges: set[tuple[str, str]]) -> list[set[str]]:
    """The groups of packages that reach each other (Tarjan), only those of more than one package."""
    successors: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        successors[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(successors[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for n in sorted(nodes):
        if n not in index:
            visit(n)
    return groups


def shortest_cycle(start: str, group: set[str], edges: set[tuple[str, str]]) -> list[str]:
    """start -> ... -> start through the group, fewest steps first (breadth-first)."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        for a, b in sorted(edges):
            if a != here or b not in group:
                continue
            if b == start:
                path = [here]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if b not in came_from:
                came_from[b] = here
                queue.append(b)
    return []


def explain(graph, cycle: list[str], imports: dict[tuple[str, str], list[tuple[str, str]]]) -> str:
    """One line per step of the cycle, with the module imports (file line) that make it."""
    lines = [" -> ".join(cycle)]
    for a, b in zip(cycle, cycle[1:]):
        lines.append(f"  {a} -> {b}:")
        for importer, imported in sorted(imports[(a, b)]):
            details = graph.get_import_details(importer=importer, imported=imported)
            where = ", ".join(f"line {d['line_number']}: {d['line_contents'].strip()}" for d in details)
            lines.append(f"    {importer} imports {imported} ({where})")
    return "\n".join(lines)


def package_cycles(graph) -> list[str]:
    imports = package_imports(graph)
    edges = set(imports)
    nodes = {package(m) for m in graph.modules}
    return [explain(graph, shortest_cycle(min(group), group, edges), imports)
            for group in strongly_connected(nodes, edges)]


def test_shoring_has_no_package_level_import_cycles():
    cycles = package_cycles(grimp.build_graph("shoring", cache_dir=None))
    assert not cycles, "package-level import cycles (make the dependency go one way):\n\n" + "\n\n".join(cycles)


def test_a_cycle_is_found_and_shown_as_a_chain_with_the_imports_that_make_it():
    graph = grimp.ImportGraph()
    for module in ("app", "app.a", "app.a.x", "app.b", "app.b.y", "app.c"):
        graph.add_module(module)
    graph.add_import(importer="app.a.x", imported="app.b.y", line_number=3, line_contents="from app.b.y import f")
    graph.add_import(importer="app.b.y", imported="app.a", line_number=7, line_contents="import app.a")
    graph.add_import(importer="app.c", imported="app.a.x", line_number=1, line_contents="import app.a.x")
    (cycle,) = package_cycles(graph)
    assert cycle.splitlines() == [
        "app.a -> app.b -> app.a",
        "  app.a -> app.b:",
        "    app.a.x imports app.b.y (line 3: from app.b.y import f)",
        "  app.b -> app.a:",
        "    app.b.y imports app.a (line 7: import app.a)",
    ]
