"""Run one step: papermill in a fresh kernel, with start-race retries, retries, back-off and a timeout.

This is the part that runs where the step runs: a thread of the local pool or a Dask worker. It
takes and returns plain picklable objects and talks to no tracking store itself (the kernel does,
through ``%mlops track``, attached to the step's run by ``MLOPS_ATTACH_RUN_ID``).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import kernels
from .events import PipelineEvent

__all__ = ["StepOutcome", "StepTask", "execute_step", "kernel_log"]

START_ATTEMPTS = 4
_START_RACES = ("address already in use", "kernel died before replying", "kernel didn't respond",
                "kernel died", "zmqerror", "connection refused")
ENGINE = "mlops"


@dataclass(frozen=True)
class StepTask:
    """Everything needed to execute one step, anywhere."""

    step: str
    notebook: str  # absolute path of the source notebook
    output: str  # absolute path of the executed notebook
    parameters: dict[str, Any]
    cwd: str
    env: dict[str, str]
    kernel: str
    token: str
    timeout: float | None = None
    retries: int = 0
    backoff: float = 1.0  # seconds before the 2nd attempt, doubled after each


@dataclass
class StepOutcome:
    """How the step ended."""

    status: str  # succeeded | failed | cancelled
    error: str | None = None  # the error's last line
    attempts: int = 1
    duration_s: float = 0.0
    timed_out: bool = False
    failed_attempts: list[str] = field(default_factory=list)  # executed notebooks of failed attempts


class _Failure(Exception):
    def __init__(self, message: str, *, retriable_start: bool = False, timed_out: bool = False) -> None:
        super().__init__(message)
        self.retriable_start = retriable_start
        self.timed_out = timed_out


def _register_engine() -> None:
    from papermill.engines import NBClientEngine, papermill_engines

    if ENGINE in papermill_engines._engines:
        return

    class StepEngine(NBClientEngine):
        """papermill's nbclient engine, reporting the start of each code cell."""

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, on_cell: Callable | None = None,
                                     **kwargs: Any) -> Any:
            if on_cell is not None:
                code = [i for i, c in enumerate(nb_man.nb.cells) if c.cell_type == "code"]
                original = nb_man.cell_start

                def cell_start(cell: Any, cell_index: int | None = None, **kw: Any) -> Any:
                    if cell_index in code:
                        on_cell(code.index(cell_index) + 1, len(code))
                    return original(cell, cell_index, **kw)

                nb_man.cell_start = cell_start
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register(ENGINE, StepEngine)


def kernel_log(task: StepTask) -> str:
    """Where the step kernel's own stdout/stderr go (beside the executed notebook)."""
    out = Path(task.output)
    return str(out.with_name(out.stem + ".kernel.log"))


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def _attempt_once(task: StepTask, emit: Callable[[PipelineEvent], None], attempt: int) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started_cells = [0]
    timed_out = threading.Event()

    def on_cell(index: int, total: int) -> None:
        started_cells[0] = index
        emit(PipelineEvent("cell", task.step, cell=index, cells=total, attempt=attempt))

    def on_timeout() -> None:
        timed_out.set()
        kernels.kill_kernels(task.token)

    watchdog = threading.Timer(task.timeout, on_timeout) if task.timeout else None
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
    try:
        papermill.execute_notebook(
            task.notebook, task.output, parameters=task.parameters, engine_name=ENGINE,
            kernel_name=task.kernel, progress_bar=False, log_output=False, on_cell=on_cell,
            kernel_manager_class=kernels.kernel_manager_class(task.token, task.env, task.cwd, kernel_log(task)),
        )
    except PapermillExecutionError as exc:
        raise _Failure(_describe(exc, task.output)) from None
    except BaseException as exc:  # noqa: BLE001 - sorted into timeout, cancellation, start race, failure
        if timed_out.is_set():
            raise _Failure(f"timed out after {task.timeout:g} s; the kernel was killed", timed_out=True) from None
        if kernels.is_cancelled(task.token):
            raise KeyboardInterrupt("cancelled") from None
        message = _last_line(str(exc)) or type(exc).__name__
        race = started_cells[0] == 0 and any(s in str(exc).lower() for s in _START_RACES)
        died = "kernel died" in str(exc).lower() or type(exc).__name__ == "DeadKernelError"
        if died and started_cells[0]:
            message = f"the kernel died during cell {started_cells[0]} ({message})"
        raise _Failure(f"{type(exc).__name__}: {message}" if not died else message,
                       retriable_start=race) from None
    finally:
        if watchdog is not None:
            watchdog.cancel()
        kernels.release(task.token)
    if timed_out.is_set():
        raise _Failure(f"timed out after {task.timeout:g} s; the kernel was killed", timed_out=True)


def _describe(exc: Any, output: str) -> str:
    """``cell N: Name: message`` for a failed cell. A magic's ``UsageError`` leaves no error output,
    only stderr text (papermill then says just 'CellExecutionError'): use that text's last line."""
    where = f"cell {exc.exec_count}: " if exc.exec_count else ""
    message = _last_line(exc.evalue)
    if exc.ename == "CellExecutionError" and not message:
        try:
            import nbformat

            cells = nbformat.read(output, as_version=4).cells  # papermill inserted error markers: no index
            for cell in cells:
                if (cell.get("metadata", {}).get("papermill") or {}).get("exception") is True:
                    stderr = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr")
                    if _last_line(stderr):
                        return f"{where}{_last_line(stderr)}"
        except (OSError, ValueError):
            pass
    return f"{where}{exc.ename}: {message or exc.ename}"


def _sleep(seconds: float, token: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if kernels.is_cancelled(token):
            raise KeyboardInterrupt("cancelled")
        time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))


def _keep_failed(task: StepTask, attempt: int) -> str | None:
    out = Path(task.output)
    if not out.exists():
        return None
    kept = out.with_name(f"{out.stem}.attempt-{attempt}{out.suffix}")
    os.replace(out, kept)
    return str(kept)


def execute_step(task: StepTask, emit: Callable[[PipelineEvent], None] | None = None) -> StepOutcome:
    """Execute ``task``; never raises for a failing notebook (the outcome says so)."""
    _register_engine()
    emit = emit or (lambda event: None)
    Path(task.output).parent.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    outcome = StepOutcome("failed")
    attempt = 0
    try:
        while True:
            attempt += 1
            outcome.attempts = attempt
            starts = 0
            try:
                while True:
                    starts += 1
                    try:
                        _attempt_once(task, emit, attempt)
                        break
                    except _Failure as failure:
                        if not failure.retriable_start or starts >= START_ATTEMPTS:
                            raise
                        emit(PipelineEvent("kernel-retry", task.step, message=str(failure), attempt=attempt))
                        _sleep(0.2 * starts, task.token)
                outcome.status, outcome.error = "succeeded", None
                return outcome
            except _Failure as failure:
                outcome.error, outcome.timed_out = str(failure), failure.timed_out
                if attempt > task.retries:
                    return outcome
                kept = _keep_failed(task, attempt)
                if kept:
                    outcome.failed_attempts.append(kept)
                emit(PipelineEvent("retry", task.step, message=str(failure), attempt=attempt))
                _sleep(task.backoff * 2 ** (attempt - 1), task.token)
    except KeyboardInterrupt:
        outcome.status, outcome.error = "cancelled", "cancelled"
        return outcome
    finally:
        outcome.duration_s = time.monotonic() - began
