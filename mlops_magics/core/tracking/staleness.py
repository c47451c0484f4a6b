"""Which variables a cell reads whose value may be stale, from the order cells ran in.

Kept cheap (one ``ast`` walk per executed cell, no values inspected). For every name we remember
which execution last wrote it, from which cell (the frontend's cell id, when it sends one) and
which version of that cell's source, and the write-counts of the names that execution read. A
name a tracked cell reads is flagged when:

* the cell that wrote it has since been edited and re-run, and the new version no longer writes
  it (the value comes from code that is no longer in the notebook); or
* it was computed from another name that has been reassigned since (re-run out of order: ``x``
  was derived from the old ``y``).

Writes through subscripts and attributes (``df["a"] = ...``, ``model.coef_ = ...``) count as
writes of the root name.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field

__all__ = ["StaleRead", "StateLineage", "reads_and_writes"]

_BUILTINS = frozenset(dir(builtins))


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


_last: tuple[ast.Module, tuple[set[str], set[str]]] | None = None  # a tracked cell's tree is read twice


def reads_and_writes(source: str | ast.Module) -> tuple[set[str], set[str]]:
    """Names read before being bound in the cell (its source or its parsed tree), and names it binds or
    mutates. An assignment binds its targets after its value is evaluated (``x = x + 1`` and ``x += 1``
    read ``x``), so its stores count at the end of the statement."""
    global _last
    if isinstance(source, ast.Module):
        last = _last
        if last is not None and last[0] is source:
            return set(last[1][0]), set(last[1][1])
        found = _reads_and_writes(source)
        _last = (source, found)
        return set(found[0]), set(found[1])
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    return _reads_and_writes(tree)


def _reads_and_writes(tree: ast.Module) -> tuple[set[str], set[str]]:
    writes: set[str] = set()
    loads: list[tuple[int, int, str]] = []
    first_store: dict[str, tuple[int, int]] = {}

    def store(name: str | None, pos: tuple[int, int]) -> None:
        if name:
            writes.add(name)
            first_store[name] = min(first_store.get(name, pos), pos)

    def position(node: ast.AST) -> tuple[int, int]:
        return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)

    for stmt in ast.walk(tree):
        if not isinstance(stmt, ast.stmt):
            continue
        assigns = isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign))
        after = (getattr(stmt, "end_lineno", 0) or 0, getattr(stmt, "end_col_offset", 0) or 0)
        if isinstance(stmt, ast.AugAssign):
            name = _root_name(stmt.target)
            if name:
                loads.append((*position(stmt), name))
        for node in ast.iter_child_nodes(stmt):
            if isinstance(node, ast.stmt):
                continue  # a nested statement is visited on its own
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name):
                    if isinstance(sub.ctx, ast.Load):
                        loads.append((sub.lineno, sub.col_offset, sub.id))
                    else:
                        store(sub.id, after if assigns else position(sub))
                elif isinstance(sub, (ast.Attribute, ast.Subscript)) and isinstance(sub.ctx, ast.Store):
                    store(_root_name(sub), after if assigns else position(sub))
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            store(stmt.name, position(stmt))
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            for alias in stmt.names:
                store((alias.asname or alias.name).split(".")[0], position(stmt))
    reads = set()
    for line, col, name in loads:
        bound = first_store.get(name)
        if name in _BUILTINS and bound is None:
            continue
        if bound is None or (line, col) < bound:
            reads.add(name)
    return reads, writes


@dataclass
class _Write:
    execution: int
    cell_key: str | None
    sha1: str
    inputs: dict[str, int] = field(default_factory=dict)  # name -> execution that had written it


@dataclass(frozen=True)
class StaleRead:
    name: str
    reason: str

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


class StateLineage:
    """Execution-order lineage of the kernel's variables."""

    def __init__(self) -> None:
        self._writes: dict[str, _Write] = {}
        self._cells: dict[str, str] = {}  # cell key -> sha1 of its latest executed source
        self._execution = 0

    def record(self, source: str | ast.Module, sha1: str, cell_key: str | None = None) -> None:
        """Note that a cell with this (Python) source, or this parsed tree, just ran."""
        self._execution += 1
        reads, writes = reads_and_writes(source)
        inputs = {n: self._writes[n].execution for n in reads if n in self._writes}
        for name in writes:
            self._writes[name] = _Write(self._execution, cell_key, sha1, inputs)
        if cell_key:
            self._cells[cell_key] = sha1

    def stale_reads(self, source: str | ast.Module) -> list[StaleRead]:
        """Names ``source`` (or its parsed tree) reads whose current value may not match the notebook's code."""
        reads, _ = reads_and_writes(source)
        found: list[StaleRead] = []
        for name in sorted(reads):
            write = self._writes.get(name)
            if write is None:
                continue
            current = self._cells.get(write.cell_key) if write.cell_key else None
            if current is not None and current != write.sha1:
                found.append(StaleRead(name, "set by a cell that was edited and re-run without setting it again"))
                continue
            for dep, seen in sorted(write.inputs.items()):
                later = self._writes.get(dep)
                if later is not None and later.execution > seen:
                    found.append(StaleRead(name, f"computed from '{dep}', which was reassigned afterwards"))
                    break
        return found
