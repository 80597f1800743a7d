"""The import graph of egov between its top-level packages and modules (the floors).

Run ``.venv/bin/python -m tests.support.import_graph`` to print how many package cycles and
upward imports there are (both should be 0) and the imports behind them. The floors are read
from the ``layers`` contract in pyproject.toml, so this and ``lint-imports`` judge the same.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from functools import cache
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]


def floors() -> list[set[str]]:
    """The layers of the contract, top floor first, each a set of package names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    return [{name.strip() for name in layer.split("|")} for layer in contract["layers"]]


def _top(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


@cache
def package_imports() -> dict[tuple[str, str], frozenset[str]]:
    """(importer, imported) top-level names -> the module imports behind that edge."""
    graph = grimp.build_graph("egov")
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            a, b = _top(module), _top(imported)
            if module != "egov" and imported != "egov" and a != b:
                edges[(a, b)].add(f"{module} -> {imported}")
    return {edge: frozenset(found) for edge, found in edges.items()}


def package_cycles() -> list[list[str]]:
    """Groups of packages that import each other, directly or through others (Tarjan)."""
    successors: dict[str, set[str]] = defaultdict(set)
    for a, b in package_imports():
        successors[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in successors[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(set(successors)):
        if node not in index:
            visit(node)
    return groups


def upward_imports() -> list[str]:
    """Module imports from a floor into the same or a higher floor (siblings included)."""
    level = {name: depth for depth, layer in enumerate(floors()) for name in layer}
    return sorted(
        line
        for (a, b), found in package_imports().items()
        if a in level and b in level and level[b] <= level[a]
        for line in found
    )


def main() -> None:
    cycles, upward = package_cycles(), upward_imports()
    edges = package_imports()
    print(f"packages and modules: {len({a for a, _ in edges} | {b for _, b in edges})}")
    print(f"package-level imports: {len(edges)}")
    print(f"package cycles: {len(cycles)}")
    for group in cycles:
        print("  " + " <-> ".join(group))
    print(f"upward imports: {len(upward)}")
    for line in upward:
        print("  " + line)


if __name__ == "__main__":
    main()
