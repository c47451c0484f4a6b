"""What a recorded cell reads and binds, and the cell as it is re-executed.

Names come from the compiler's own symbol tables (:mod:`symtable`), statement by statement in the
order they run, so function parameters, lambda arguments and comprehension variables are never taken
for reads of notebook state, a loop variable is bound when its body reads it, and ``x = x + 1``
reads ``x``. A name read at the top level of a cell (or inside a class body or a comprehension,
which run at once) is read when the cell runs; a name a function body reads is read when the
function is called, so it only counts as outside state when no recorded cell binds it at all.

Magics are turned into Python by the caller's transformer (IPython's, passed in by the faces: the
core never imports IPython). The body of a cell magic that runs Python (``%%mlops track``,
``%%time``, ...) is analysed as Python; other cell magics (``%%bash``) read and bind nothing.
"""

from __future__ import annotations

import ast
import builtins
import re
import symtable
from dataclasses import dataclass, field
from typing import Callable


__all__ = ["CellNames", "ToPython", "cell_names", "known_name", "neutralise", "python_of"]

ToPython = Callable[[str], str]

PYTHON_BODY_MAGICS = frozenset({"mlops", "time", "timeit", "capture", "prun"})
# names IPython provides in every kernel's namespace
_IPYTHON = frozenset({"get_ipython", "display", "In", "Out", "exit", "quit", "_ih", "_oh", "_dh",
                      "_", "__", "___", "_i", "_ii", "_iii"})
_HISTORY = re.compile(r"^_i?\d+$")
_KNOWN = frozenset(dir(builtins)) | _IPYTHON
_IMMEDIATE = ("listcomp", "setcomp", "dictcomp", "genexpr")
# lines a reproduction must not run again: it starts and ends its own run
_OURS = re.compile(r"^([ \t]*)%mlops[ \t]+(track|stop|reproduce)\b.*$", re.MULTILINE)


def known_name(name: str) -> bool:
    """A builtin or a name IPython defines (``_``, ``_i3``, ``get_ipython``): never notebook state."""
    return name in _KNOWN or bool(_HISTORY.match(name))


def python_of(raw: str, to_python: ToPython) -> str:
    """The Python a cell runs: a Python-bodied cell magic's body, else the transformed cell ('' when
    the cell is not Python)."""
    if raw.lstrip().startswith("%%"):
        first, _, body = raw.lstrip().partition("\n")
        magic = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if magic not in PYTHON_BODY_MAGICS:
            return ""
        raw = body
    try:
        return to_python(raw)
    except Exception:  # noqa: BLE001 - a cell the transformer cannot read has nothing to analyse
        return ""


@dataclass
class CellNames:
    """The names one cell reads and binds."""

    reads: set[str] = field(default_factory=set)  # read when the cell runs, before the cell binds them
    deferred: set[str] = field(default_factory=set)  # read by function bodies (when called)
    binds: set[str] = field(default_factory=set)
    opaque: bool = False  # binds names no analysis can see (star import, %run, exec, globals())


def _scope_reads(table: symtable.SymbolTable, immediate: set[str], deferred: set[str], binds: set[str],
                 now: bool) -> None:
    for child in table.get_children():
        runs_now = now and (child.get_type() == "class" or child.get_name() in _IMMEDIATE)
        for sym in child.get_symbols():
            name = sym.get_name()
            if sym.is_declared_global() and sym.is_assigned():
                binds.add(name)
            elif sym.is_global() and sym.is_referenced():
                (immediate if runs_now else deferred).add(name)
        _scope_reads(child, immediate, deferred, binds, runs_now)


def _table(node: ast.AST, out: CellNames, bound: set[str]) -> None:
    """One statement or expression, evaluated before it binds anything: its reads, then its binds."""
    top = symtable.symtable(ast.unparse(node), "<cell>", "eval" if isinstance(node, ast.expr) else "exec")
    now: set[str] = set()
    binds: set[str] = set()
    for sym in top.get_symbols():
        if sym.is_assigned() or sym.is_imported() or sym.is_namespace():
            binds.add(sym.get_name())
        if sym.is_referenced():
            now.add(sym.get_name())
    _scope_reads(top, now, out.deferred, binds, True)
    out.reads |= now - bound
    bound |= binds
    out.binds |= binds


def _target(node: ast.AST, out: CellNames, bound: set[str]) -> None:
    """A loop's or a with's target: names bound; what a subscript or attribute target reads."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id not in bound:
            out.reads.add(sub.id)
    names = {sub.id for sub in ast.walk(node) if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store)}
    bound |= names
    out.binds |= names


def _statements(body: list[ast.stmt], out: CellNames, bound: set[str]) -> None:
    """Statements in the order they run: a compound statement's header before its body, so a loop
    variable is bound when the body reads it and ``x = x + 1`` reads ``x``."""
    for stmt in body:
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            _table(stmt.iter, out, bound)
            _target(stmt.target, out, bound)
            _statements(stmt.body + stmt.orelse, out, bound)
        elif isinstance(stmt, (ast.While, ast.If)):
            _table(stmt.test, out, bound)
            _statements(stmt.body + stmt.orelse, out, bound)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                _table(item.context_expr, out, bound)
                if item.optional_vars is not None:
                    _target(item.optional_vars, out, bound)
            _statements(stmt.body, out, bound)
        elif isinstance(stmt, ast.Try):
            _statements(stmt.body, out, bound)
            for handler in stmt.handlers:
                if handler.type is not None:
                    _table(handler.type, out, bound)
                if handler.name:
                    bound.add(handler.name)
                    out.binds.add(handler.name)
                _statements(handler.body, out, bound)
            _statements(stmt.orelse + stmt.finalbody, out, bound)
        else:
            _table(stmt, out, bound)


def _opaque(tree: ast.AST, python: str) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("exec", "globals"):
            return True
    return "run_line_magic('run'" in python or "run_line_magic('store'" in python


def cell_names(python: str) -> CellNames:
    """Reads and binds of one cell's Python (empty for what does not parse)."""
    try:
        tree = ast.parse(python)
        symtable.symtable(python, "<cell>", "exec")  # what only the symbol table refuses (nonlocal at top level)
        out = CellNames(opaque=_opaque(tree, python))
        _statements(tree.body, out, set())
    except (SyntaxError, ValueError):
        return CellNames()
    out.reads = {n for n in out.reads if not known_name(n)}
    out.deferred = {n for n in out.deferred if not known_name(n)} - out.reads
    return out


def neutralise(raw: str) -> str:
    """The cell with its ``%mlops track`` / ``stop`` / ``reproduce`` lines made inert (``pass``, so an
    indented block stays valid): the reproduction attaches to its own run."""
    return _OURS.sub(lambda m: f"{m.group(1)}pass  # (mlops reproduce) was: {m.group(0).strip()}", raw)
