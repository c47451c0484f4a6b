"""A tracked cell (``%%mlops track``): its own run, a child of the notebook run when one is active.

The caller hands over the cell's Python source and a function that executes it; this module
starts the run, scopes autolog to it, captures params and metrics by the rules of
:mod:`.capture`, and ends the run FINISHED, FAILED (traceback stored) or KILLED (interrupt). It
returns the cell's value, the run card and the exception, which the caller re-raises after
showing the card: the run has always ended by then.

What the cell logged, and the run's end, go to the background writer (:mod:`.writer`): the cell returns
without waiting for the store, the card is made from the values in memory. An interrupted cell waits
(a drain point): whoever reads the store next sees the run KILLED with every value.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from . import notebook_runs, runs
from ..backend import tags
from ..errors import MlopsError
from .autolog import autolog_scope
from .capture import analyse_cell, capture_values
from .codelog import source_hash
from .provenance import environment_text
from .results import RunCard
from .staleness import StaleRead

__all__ = ["CellOptions", "CellOutcome", "producing_run", "run_tracked_cell"]

# variable name -> id of the run of the last successful tracked cell that bound it at top level
_producers: dict[str, str] = {}


def producing_run(variable: str) -> str | None:
    """The run whose tracked cell last bound ``variable`` (so ``register clf`` finds clf's run)."""
    return _producers.get(variable)


@dataclass
class CellOptions:
    run_name: str | None = None
    experiment: str | None = None
    params: list[str] | None = None
    metrics: list[str] | None = None
    autolog: bool = True
    capture_code: bool = True


@dataclass
class CellOutcome:
    value: Any
    card: RunCard
    error: BaseException | None = None
    stale: list[StaleRead] = field(default_factory=list)


def run_tracked_cell(
    source: str,
    execute: Callable[[], Any],
    namespace: Mapping[str, Any],
    options: CellOptions,
    stale: list[StaleRead] | None = None,
    notebook: str | None = None,
    execution_count: int | None = None,
    tree: ast.Module | None = None,
) -> CellOutcome:
    """Run ``execute`` inside a new run and log what the cell bound (``tree``: ``source`` already parsed)."""
    bindings = analyse_cell(tree if tree is not None else source)
    parent_nb = notebook_runs.current()
    parent = parent_nb.handle if parent_nb is not None else runs.active_run()
    extra = {tags.CELL_HASH: source_hash(source)}
    if execution_count is not None:
        extra[tags.EXECUTION_COUNT] = str(execution_count)
    if stale:
        extra[tags.STALE] = ",".join(s.name for s in stale)
    capture_code = options.capture_code and (parent_nb is None or parent_nb.capture_code)
    handle = runs.start_run("cell", experiment=options.experiment, run_name=options.run_name,
                                parent=parent, extra_tags=extra, fluent=True, notebook=notebook)
    value, error = None, None
    try:
        if parent_nb is not None:
            parent_nb.pending_child = handle.run_id
        else:
            handle.log_text(environment_text(), "environment/packages.txt")
        if capture_code:
            handle.log_text(source, "cell.py")
        handle.warnings.extend(f"stale input {s}" for s in stale or [])
        try:
            with autolog_scope(options.autolog) as autolog_problems:
                handle.warnings.extend(autolog_problems)
                value = execute()
        except BaseException as exc:  # noqa: BLE001 - recorded, then re-raised by the caller
            error = exc
        _log_captured(handle, bindings, namespace, options, error)
    finally:
        status = runs.status_for_exception(error)
        card = handle.end(status, wait=status == "KILLED")
    if error is None:
        for name in [*bindings.literals, *bindings.computed]:
            _producers[name] = handle.run_id
    return CellOutcome(value=value, card=card, error=error, stale=list(stale or []))


def _log_captured(handle: runs.RunHandle, bindings: Any, namespace: Mapping[str, Any], options: CellOptions,
                  error: BaseException | None) -> None:
    """Params and metrics the cell bound (what cannot be logged is named in the card, the rest kept)."""
    try:
        captured = capture_values(bindings, namespace, options.params, options.metrics)
        handle.log_params(captured.params)
        if error is None:
            handle.log_metrics(captured.metrics)
        handle.warnings.extend(captured.warnings)
    except MlopsError as exc:  # e.g. a param the notebook run already holds with another value
        handle.warnings.append(f"params and metrics not logged: {exc}")
    if error is not None and runs.status_for_exception(error) == "FAILED":
        handle.log_text(runs.format_traceback(error), "traceback.txt")
