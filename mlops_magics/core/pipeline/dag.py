"""The step graph: edges from ``depends_on`` and from outputs read as inputs, order, cycles, layers."""

from __future__ import annotations

from typing import Iterable, Mapping

__all__ = ["downstream", "find_cycle", "layers", "topological_order", "upstream_closure"]

Graph = Mapping[str, Iterable[str]]  # step -> the steps it depends on


def find_cycle(deps: Graph) -> list[str] | None:
    """One dependency cycle as ``[a, b, ..., a]``, or None when the graph is acyclic."""
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {name: WHITE for name in deps}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        colour[name] = GREY
        stack.append(name)
        for dep in deps.get(name, ()):
            if dep not in colour:
                continue
            if colour[dep] == GREY:
                return stack[stack.index(dep):] + [dep]
            if colour[dep] == WHITE:
                cycle = visit(dep)
                if cycle:
                    return cycle
        stack.pop()
        colour[name] = BLACK
        return None

    for name in deps:
        if colour[name] == WHITE:
            cycle = visit(name)
            if cycle:
                return list(reversed(cycle))  # in execution direction: a -> b means b needs a
    return None


def topological_order(deps: Graph) -> list[str]:
    """Steps in an order where each comes after what it depends on; ties keep declaration order."""
    names = list(deps)
    remaining = {name: {d for d in deps[name] if d in deps} for name in names}
    order: list[str] = []
    while remaining:
        ready = [n for n in names if n in remaining and not remaining[n]]
        if not ready:
            raise ValueError(f"dependency cycle: {' -> '.join(find_cycle(deps) or [])}")
        for name in ready:
            order.append(name)
            del remaining[name]
        for pending in remaining.values():
            pending.difference_update(ready)
    return order


def layers(deps: Graph) -> dict[str, int]:
    """Depth of each step: 0 for steps with no dependencies, else 1 + the deepest dependency."""
    depth: dict[str, int] = {}
    for name in topological_order(deps):
        depth[name] = 1 + max((depth[d] for d in deps[name] if d in depth), default=-1)
    return depth


def downstream(deps: Graph, name: str) -> set[str]:
    """Every step that depends, directly or not, on ``name``."""
    found: set[str] = set()
    frontier = [name]
    while frontier:
        current = frontier.pop()
        for other, needs in deps.items():
            if current in needs and other not in found:
                found.add(other)
                frontier.append(other)
    return found


def upstream_closure(deps: Graph, names: Iterable[str]) -> set[str]:
    """``names`` and everything they depend on, directly or not."""
    found: set[str] = set()
    frontier = list(names)
    while frontier:
        current = frontier.pop()
        if current in found:
            continue
        found.add(current)
        frontier.extend(d for d in deps.get(current, ()) if d in deps)
    return found
