"""What a tracked cell's code says about its params and metrics.

Rules (``%%mlops track``):

* params: names bound at the cell's top level to literal constants (numbers, strings, bools,
  None, and tuples / lists / dicts / sets of those, including ``-1``), decided from the source
  before it runs, so the logged value is exactly what the user wrote;
* metrics: names bound at the top level to anything else whose value after the cell is an int or
  a float (not a bool), numpy scalars included;
* the last top-level binding of a name decides which it is (``n = 10`` then ``n = n * 2`` is a
  metric); ``--params`` / ``--metrics`` name them explicitly and replace the rule of their kind.
"""

from __future__ import annotations

import ast
import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..errors import MlopsUsageError
from ..names import check_key, check_metric_value, short_repr

__all__ = ["Captured", "CellBindings", "analyse_cell", "capture_values", "format_param", "metric_values"]

MAX_PARAM_LENGTH = 6000  # MLflow's limit for a param value


@dataclass
class CellBindings:
    """Top-level bindings of a cell: literal params (with their values) and computed names."""

    literals: dict[str, Any] = field(default_factory=dict)
    computed: list[str] = field(default_factory=list)


def _targets(node: ast.AST) -> Iterable[ast.Name]:
    if isinstance(node, ast.Name):
        yield node
    elif isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            yield from _targets(element)
    elif isinstance(node, ast.Starred):
        yield from _targets(node.value)


def _literal(node: ast.AST) -> tuple[bool, Any]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def analyse_cell(source: str | ast.Module) -> CellBindings:
    """Classify the top-level bindings of Python ``source`` (already IPython-transformed) or of its parsed tree."""
    if isinstance(source, ast.Module):
        tree = source
    else:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):  # what the cell's own run will report
            return CellBindings()
    kinds: dict[str, tuple[str, Any]] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign):
            is_literal, value = _literal(stmt.value)
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    kinds[target.id] = ("literal", value) if is_literal else ("computed", None)
                elif (
                    is_literal
                    and isinstance(target, (ast.Tuple, ast.List))
                    and isinstance(value, (tuple, list))
                    and len(value) == len(target.elts)
                    and all(isinstance(e, ast.Name) for e in target.elts)
                ):
                    for element, item in zip(target.elts, value):
                        kinds[element.id] = ("literal", item)
                else:
                    for n in _targets(target):
                        kinds[n.id] = ("computed", None)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            for n in _targets(stmt.target):
                is_literal, value = _literal(stmt.value)
                kinds[n.id] = ("literal", value) if is_literal else ("computed", None)
        elif isinstance(stmt, ast.AugAssign):
            for n in _targets(stmt.target):
                kinds[n.id] = ("computed", None)
    bindings = CellBindings()
    for name, (kind, value) in kinds.items():
        if name.startswith("_"):
            continue
        if kind == "literal":
            bindings.literals[name] = value
        else:
            bindings.computed.append(name)
    return bindings


def is_metric_value(value: Any) -> bool:
    """An int or float (numpy scalars too), not a bool."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return False
    return isinstance(value, numbers.Real)


def format_param(value: Any, limit: int = MAX_PARAM_LENGTH) -> str:
    """A param value as MLflow stores it: str for scalars, Python literal syntax for containers.

    Never raises (an integer too long to print, an object whose ``__str__`` fails): such values read
    as a short description. Longer than ``limit`` (MLflow's limit), the text is cut and ends in "...".
    """
    try:
        text = value if isinstance(value, str) else repr(value) if isinstance(value, (tuple, list, dict, set)) \
            else str(value)
    except Exception:  # noqa: BLE001 - ValueError for ints over 4300 digits, or a broken __str__
        text = short_repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class Captured:
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _checked_name(kind: str, name: str, warnings: list[str]) -> bool:
    try:
        check_key(kind, name)
    except MlopsUsageError as exc:
        warnings.append(f"not logged: {exc}")
        return False
    return True


def capture_values(
    bindings: CellBindings,
    namespace: Mapping[str, Any],
    params: list[str] | None = None,
    metrics: list[str] | None = None,
) -> Captured:
    """Params and metrics of a finished cell, by the rules or the explicit name lists.

    What cannot be logged (a name MLflow refuses, a number too large for a float) is left out and named
    in ``warnings``; the rest is kept.
    """
    out = Captured()
    if params is None:
        chosen = {k: v for k, v in bindings.literals.items() if _checked_name("param", k, out.warnings)}
        out.params = {k: format_param(v) for k, v in chosen.items()}
    else:
        for name in params:
            if name not in namespace:
                out.warnings.append(f"--params {name}: no variable of that name after the cell")
            elif _checked_name("param", name, out.warnings):
                out.params[name] = format_param(namespace[name])
    candidates = bindings.computed if metrics is None else metrics
    for name in candidates:
        if name not in namespace:
            if metrics is not None:
                out.warnings.append(f"--metrics {name}: no variable of that name after the cell")
            continue
        value = namespace[name]
        if is_metric_value(value):
            if not _checked_name("metric", name, out.warnings):
                continue
            try:
                number = check_metric_value(name, value)
            except MlopsUsageError as exc:
                out.warnings.append(f"not logged: {exc}")
                continue
            if math.isinf(number) and metrics is not None:
                out.warnings.append(f"--metrics {name}: value is infinite, logged anyway")
            out.metrics[name] = number
        elif metrics is not None:
            out.warnings.append(
                f"--metrics {name}: {type(value).__name__} is not a number, not logged"
            )
    return out


def metric_values(values: Mapping[Any, Any], warnings: list[str]) -> dict[str, float]:
    """The entries of ``values`` that can be metrics (see :func:`capture_values`); others named in warnings."""
    out: dict[str, float] = {}
    for key, value in values.items():
        name = str(key)
        if not is_metric_value(value) or not _checked_name("metric", name, warnings):
            continue
        try:
            out[name] = check_metric_value(name, value)
        except MlopsUsageError as exc:
            warnings.append(f"not logged: {exc}")
    return out
