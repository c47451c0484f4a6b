"""What the pipeline needs to know about a notebook, read without a kernel.

The code hash covers the source of code cells only (in order), so editing a markdown cell, an
output or cell metadata does not invalidate a step. The declared parameters are the names assigned
at top level in the cell tagged ``parameters`` (papermill's convention); their defaults are the
assigned values (a literal as its value, anything else as its source text).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from blake3 import blake3

__all__ = ["NotebookInfo", "read_notebook"]

PARAMETERS_TAG = "parameters"
_ASSIGN = re.compile(r"^([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)", re.MULTILINE)


@dataclass(frozen=True)
class NotebookInfo:
    """A notebook as the pipeline sees it."""

    path: Path
    code_hash: str
    kernel: str | None  # the kernelspec name in the notebook's metadata
    has_parameters_cell: bool
    declared: frozenset[str]  # names assigned in the parameters cell
    defaults: dict[str, Any] = field(default_factory=dict, compare=False)  # their values in that cell


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _value(node: ast.expr | None, code: str) -> Any:
    """A literal's value, else the expression's source text."""
    if node is None:
        return None
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return ast.get_source_segment(code, node)


def _assignments(code: str) -> tuple[set[str], dict[str, Any]]:
    """Names assigned at top level, and the values of the simple ones (``x = 1``, ``a, b = 1, 2``)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:  # magics or shell escapes in the cell: fall back to a line-based reading
        return set(_ASSIGN.findall(code)), {}
    names: set[str] = set()
    values: dict[str, Any] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    names.add(sub.id)
            value = getattr(node, "value", None)
            if isinstance(node, ast.AugAssign) or value is None:
                continue
            if isinstance(target, ast.Name):
                values[target.id] = _value(value, code)
            elif isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and \
                    len(target.elts) == len(value.elts):
                for item, item_value in zip(target.elts, value.elts):
                    if isinstance(item, ast.Name):
                        values[item.id] = _value(item_value, code)
    return names, values


def read_notebook(path: Path) -> NotebookInfo:
    """Read ``path`` (plain JSON, no schema validation: this runs on every cache check).

    Raises ``OSError`` or ``ValueError`` when the file is missing or not a notebook.
    """
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
        raise ValueError("not a Jupyter notebook (no 'cells' list)")
    hasher = blake3()
    declared: set[str] = set()
    defaults: dict[str, Any] = {}
    has_parameters = False
    for cell in doc["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        code = _source(cell)
        encoded = code.encode("utf-8")
        hasher.update(len(encoded).to_bytes(8, "little"))
        hasher.update(encoded)
        tags = (cell.get("metadata") or {}).get("tags") or []
        if PARAMETERS_TAG in tags:
            has_parameters = True
            names, values = _assignments(code)
            declared |= names
            defaults.update(values)
    spec = (doc.get("metadata") or {}).get("kernelspec") or {}
    kernel = spec.get("name") if isinstance(spec, dict) else None
    return NotebookInfo(path=path, code_hash=hasher.hexdigest(), kernel=kernel,
                        has_parameters_cell=has_parameters, declared=frozenset(declared), defaults=defaults)
