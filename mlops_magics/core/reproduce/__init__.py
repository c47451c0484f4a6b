"""The reproducibility check: re-execute a notebook run's recorded cells in a fresh kernel, compare.

``reproduce(RUN, to_python=...)`` returns a :class:`Reproduction`: reproduced or not, each param and
metric compared (``rtol`` / ``atol``), and the likely causes of a difference (cells that failed on
re-execution, variables defined before ``%mlops track``, files changed since, cells edited after they
ran or run out of order, changed packages). It stands above the pipeline layer, whose step executor
runs the notebook. Names are imported on first use: the parsers read the defaults without loading
the kernel machinery.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REPRODUCED_BY", "REPRODUCES", "VERDICT", "Cause", "NotReproduced", "Reproduction", "ValueCheck",
           "reproduce"]

_FROM = {"reproduce": "engine", "REPRODUCED_BY": "engine", "REPRODUCES": "engine", "VERDICT": "engine",
         "Cause": "results", "NotReproduced": "results", "Reproduction": "results", "ValueCheck": "results"}


def __getattr__(name: str) -> Any:
    if name in _FROM:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_FROM[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
