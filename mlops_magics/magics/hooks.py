"""IPython event hooks: record every executed cell (lineage for stale-state warnings, and the
notebook run's code log), hand what live runs buffered to the background writer after each cell and
print the writer's notes (a value MLflow refused, a failing store). A hook never raises into the user's
cell: a failure is shown once, as a one-line warning, and recording goes on with the next cell."""

from __future__ import annotations

import functools
import sys
import time
from typing import Any, Callable

from ..core.tracking import notebook_runs, runs, writer
from ..core.tracking.codelog import CellRecord, source_hash
from ..core.tracking.staleness import StateLineage

__all__ = ["CellHooks"]


def _never_raises(method: Callable) -> Callable:
    @functools.wraps(method)
    def wrapper(self: "CellHooks", *args: Any) -> None:
        try:
            method(self, *args)
        except Exception as exc:  # noqa: BLE001 - the user's cell must never see our failure
            if method.__name__ not in self.warned:
                self.warned.add(method.__name__)
                print(
                    f"mlops_magics: could not record this cell ({type(exc).__name__}: {exc}); "
                    "your code ran normally, recording continues with the next cell",
                    file=sys.stderr,
                )

    return wrapper


class CellHooks:
    """``pre_run_cell`` / ``post_run_cell`` callbacks for one shell."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.lineage = StateLineage()
        self.warned: set[str] = set()
        self._started = 0.0
        self._cell_id: str | None = None
        self.execution_count: int | None = None  # the running cell's In [n]
        self.cell_tree: Any = None  # a %%mlops track cell's parsed body: its lineage, with no second parse

    def register(self) -> None:
        events = self.shell.events
        if self.pre_run_cell not in events.callbacks["pre_run_cell"]:
            events.register("pre_run_cell", self.pre_run_cell)
        if self.post_run_cell not in events.callbacks["post_run_cell"]:
            events.register("post_run_cell", self.post_run_cell)

    def unregister(self) -> None:
        for name, callback in (("pre_run_cell", self.pre_run_cell), ("post_run_cell", self.post_run_cell)):
            if callback in self.shell.events.callbacks[name]:
                self.shell.events.unregister(name, callback)

    def python_source(self, raw: str) -> str:
        """The cell as Python (magics and shell escapes turned into calls)."""
        try:
            return self.shell.transform_cell(raw)
        except Exception:  # noqa: BLE001 - a cell IPython cannot transform has nothing to record
            return ""

    @_never_raises
    def pre_run_cell(self, info: Any) -> None:
        self._started = time.time()
        self._cell_id = getattr(info, "cell_id", None)
        # IPython counts the cell (In [n]) before it runs: while it runs, execution_count is n + 1
        self.execution_count = self.shell.execution_count - (1 if getattr(info, "store_history", False) else 0)
        self.cell_tree = None
        run = notebook_runs.current()
        if run is not None:
            run.note_cell(None)

    def post_run_cell(self, result: Any) -> None:
        self.record_cell(result)
        self.after_cell()

    @_never_raises
    def after_cell(self) -> None:
        """Live runs' buffered values to the writer (a kernel killed later loses only the running cell's),
        the writer started on them, its notes printed (one line each)."""
        runs.hand_over_buffered()
        writer.kick()
        print_reports()

    @_never_raises
    def record_cell(self, result: Any) -> None:
        info = result.info
        raw = getattr(info, "raw_cell", "") or ""
        sha1 = source_hash(raw)
        ok = result.success
        tree, self.cell_tree = self.cell_tree, None
        if ok:  # a tracked cell's body binds the names, not the magic call IPython turns the cell into
            self.lineage.record(tree if tree is not None else self.python_source(raw), sha1, self._cell_id)
        run = notebook_runs.current()
        if run is None:
            return
        error = result.error_in_exec or result.error_before_exec
        run.note_cell(error)
        run.record(
            CellRecord(
                execution_count=result.execution_count,
                cell_id=self._cell_id,
                sha1=sha1,
                started=self._started,
                duration_s=round(time.time() - self._started, 6),
                status="ok" if ok else "error",
                error=f"{type(error).__name__}: {error}" if error is not None else None,
                source=raw,
            )
        )


def print_reports() -> None:
    """The background writer's notes not shown yet, one line each on stderr."""
    for line in writer.take_reports():
        print(f"mlops: {line}", file=sys.stderr)
