"""``%load_ext`` / ``%unload_ext``: register the magic and the hooks, start the warm-up."""

from __future__ import annotations

import atexit
from typing import Any

from .hooks import CellHooks

__all__ = ["hooks_for", "load", "unload"]

_hooks: dict[int, CellHooks] = {}


def hooks_for(shell: Any) -> CellHooks | None:
    """The hooks registered on ``shell`` (they hold the cell lineage)."""
    return _hooks.get(id(shell))


def _end_runs(at_exit: bool) -> None:
    """End the notebook run and every other run of ours; wait for the background writer (a drain point)."""
    from ..core.tracking import notebook_runs, runs

    try:
        notebook_runs.stop("FINISHED", at_exit=at_exit)
    finally:
        runs.end_all_runs("FINISHED")


def _at_exit() -> None:
    """Interpreter exit (kernel shutdown): a notebook whose last cell raised did not finish."""
    _end_runs(at_exit=True)


def load(shell: Any) -> None:
    from ..core import tracking  # noqa: F401 - registers tracking's warm-up tasks (reap dead runs)
    from ..core.backend import session
    from ..render.formatters import register as register_formatters
    from .dispatch import MlopsMagics

    shell.register_magics(MlopsMagics)
    register_formatters(shell)
    hooks = _hooks.get(id(shell))
    if hooks is None:
        hooks = _hooks[id(shell)] = CellHooks(shell)
    hooks.register()
    atexit.unregister(_at_exit)
    atexit.register(_at_exit)
    session.start_warmup()


def unload(shell: Any) -> None:
    hooks = _hooks.pop(id(shell), None)
    if hooks is not None:
        hooks.unregister()
    atexit.unregister(_at_exit)
    from .hooks import print_reports

    try:
        _end_runs(at_exit=False)
    finally:
        print_reports()
