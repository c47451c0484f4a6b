"""The notebook run: one MLflow run for a whole notebook session, recording every executed cell.

Started by ``%mlops track``; it stays active across cells until ``%mlops stop``, ``%unload_ext``
or interpreter exit. Cells are journalled to a local spool (see :mod:`.codelog`) and uploaded as
artifacts when the run ends; git state and the Python environment are captured at the start.
"""

from __future__ import annotations

import os
import threading

from ..backend import session, tags
from . import runs
from .codelog import CellRecord, CodeLog, upload_code_log
from .provenance import environment_text, git_state
from .results import RunCard
from .runs import RunHandle

__all__ = ["NotebookRun", "current", "start", "stop"]

ATTACH_ENV = "MLOPS_ATTACH_RUN_ID"  # set by the pipeline runner: the step's run, which %mlops track joins

_current: "NotebookRun | None" = None
_lock = threading.RLock()


class NotebookRun:
    """An active notebook run and its code log."""

    def __init__(self, handle: RunHandle, capture_code: bool) -> None:
        self.handle = handle
        self.capture_code = capture_code
        self.codelog = CodeLog(session.settings().spool_dir / f"{handle.run_id}.jsonl", capture_code)
        self.pending_child: str | None = None
        self.last_error: tuple[str, str] | None = None  # (status, traceback) while the last cell run raised

    def note_cell(self, error: BaseException | None) -> None:
        """Whether the cell run last raised (a new cell clears it): a kernel that exits right after a
        raising cell (papermill stops there) ends the run FAILED with that error, not FINISHED."""
        self.last_error = None if error is None else (runs.status_for_exception(error), runs.format_traceback(error))

    def record(self, record: CellRecord) -> None:
        if self.pending_child:
            record.child_run_id, self.pending_child = self.pending_child, None
        if not self.capture_code:
            record.source = None
        self.codelog.append(record)

    def stop(self, status: str = "FINISHED", at_exit: bool = False) -> RunCard:
        """End the run. ``at_exit``: the interpreter is exiting (a kernel shut down, papermill done); if
        the last cell raised, the notebook did not finish: FAILED (KILLED for an interrupt)."""
        failed = self.last_error if status == "FINISHED" and at_exit else None
        try:
            if failed is not None:  # stopped right after a raising cell: the notebook did not finish
                status = failed[0]
                self.handle.log_text(failed[1], "traceback.txt")
            if self.codelog.path.exists():
                upload_code_log(self.handle.client, self.handle.run_id, self.codelog.path)
            self.handle.log_metric("cells_executed", self.codelog.count)
        finally:
            card = self.handle.end(status)
        self.codelog.path.unlink(missing_ok=True)
        return card


def current() -> NotebookRun | None:
    """The active notebook run, if any (ended runs are forgotten)."""
    global _current
    with _lock:
        if _current is not None and _current.handle.ended is not None:
            _current = None
        return _current


def start(experiment: str | None = None, run_name: str | None = None, notebook: str | None = None,
          capture_code: bool = True, capture_env: bool = True) -> tuple[NotebookRun, bool]:
    """Start the notebook run; returns (run, started). An active one is kept, not replaced."""
    global _current
    with _lock:
        existing = current()
        if existing is not None:
            return existing, False
        conf = session.ready()
        attach_to = os.environ.get(ATTACH_ENV)
        if attach_to:
            handle = runs.attach_run(attach_to, "notebook")
        else:
            handle = runs.start_run("notebook", experiment=experiment, run_name=run_name, notebook=notebook)
        try:
            run = NotebookRun(handle, capture_code)
            git = git_state(conf.project_root)
            if git is not None:
                handle.set_tags({tags.GIT_COMMIT: git.commit, tags.GIT_DIRTY: str(git.dirty).lower()})
                if git.dirty and capture_code:
                    handle.log_text(git.diff, "code/git.diff")
            if capture_env:
                handle.log_text(environment_text(), "environment/packages.txt")
            handle.flush()
        except BaseException as exc:
            _end_failed_start(handle, runs.status_for_exception(exc))
            raise
        _current = run
        return run, True


def _end_failed_start(handle: RunHandle, status: str) -> None:
    """A start that failed half way ends its run (FAILED, KILLED when interrupted): none is left that nobody can end."""
    try:
        handle.end(status)
    except Exception:  # noqa: BLE001 - the store fails too; the run is off our stack, the reaper ends it
        pass


def stop(status: str = "FINISHED", at_exit: bool = False) -> RunCard | None:
    """End the notebook run; None when there was none (``at_exit``: see :meth:`NotebookRun.stop`)."""
    global _current
    with _lock:
        run = current()
        if run is None:
            return None
        _current = None
    return run.stop(status, at_exit)
