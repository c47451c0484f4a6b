"""Tiny notebooks for tests: an optional ``parameters``-tagged cell, then code cells."""

from __future__ import annotations

import nbformat


def write_nb(path, params: str | None = "x = 1", *code: str) -> None:
    """Write a python3 notebook at ``path`` (``params=None``: no parameters cell)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if params is not None:
        cell = nbformat.v4.new_code_cell(params)
        cell.metadata["tags"] = ["parameters"]
        nb.cells.append(cell)
    nb.cells += [nbformat.v4.new_code_cell(c) for c in code]
    nbformat.write(nb, path)
