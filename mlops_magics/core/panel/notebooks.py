"""The variables of a notebook's ``parameters`` cell (for "Run notebook with parameters...")."""

from __future__ import annotations

import json
import os
from typing import Any

__all__ = ["notebook_parameters"]


def notebook_parameters(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The papermill ``parameters`` cell of a notebook: its index and its top-level assignments.

    Each parameter: ``name``, ``value`` (the source text of the right-hand side) and ``type``
    (int, float, str, bool, None, list, dict or expr) so the dialog can offer a fitting input.
    """
    import ast

    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code" or "parameters" not in (cell.get("metadata", {}).get("tags") or []):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        params: list[dict[str, Any]] = []
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            return {"cell": index, "parameters": [], "error": f"the parameters cell does not parse: {exc.msg}"}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                target, value = node.targets[0].id, node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                target, value = node.target.id, node.value
            else:
                continue
            params.append({"name": target, "value": ast.get_source_segment(source, value) or "",
                           "type": _literal_type(value)})
        return {"cell": index, "parameters": params}
    return {"cell": None, "parameters": []}


def _literal_type(node: Any) -> str:
    import ast

    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return "expr"
    if value is None:
        return "None"
    return type(value).__name__ if isinstance(value, (bool, int, float, str, list, dict)) else "expr"
