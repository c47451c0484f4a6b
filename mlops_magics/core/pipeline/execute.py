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

from ..errors import first_line
from . import kernels
from .events import PipelineEvent

__all__ = ["StepOutcome", "StepTask", "execute_step", "kernel_log"]

START_ATTEMPTS = 4

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


def kernel_log(task: StepTask) -> str:
    """Where the step kernel's own stdout/stderr go (beside the executed notebook)."""
    out = Path(task.output)
    return str(out.with_name(out.stem + ".kernel.log"))


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def _start_failure(exc: BaseException) -> bool:
    """A failure while the kernel was starting that a new start may not meet: a port taken between
    jupyter_client choosing it and the kernel binding it (the kernel dies before replying), a kernel
    slow to answer under load. Not a missing kernel spec (``NoSuchKernel``, a ``KeyError``)."""
    import zmq

    return isinstance(exc, (RuntimeError, OSError, TimeoutError, zmq.ZMQError))


def _attempt_once(task: StepTask, emit: Callable[[PipelineEvent], None], attempt: int) -> None:
    import papermill
    from nbclient.exceptions import DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    to_run: list[int] = []  # indices of the cells nbclient will execute (the injected parameters included)
    current = [0]  # 1-based among them; 0 before the first
    ready = threading.Event()  # the kernel answered: what fails from now on is not a start race
    timed_out = threading.Event()

    def on_notebook_start(notebook: Any, **_: Any) -> None:
        to_run[:] = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and c.source.strip()]
        ready.set()

    def on_cell_execute(cell: Any, cell_index: int, **_: Any) -> None:
        if cell_index in to_run:
            current[0] = to_run.index(cell_index) + 1
            emit(PipelineEvent("cell", task.step, cell=current[0], cells=len(to_run), attempt=attempt))

    def on_timeout() -> None:
        timed_out.set()
        kernels.kill_kernels(task.token)

    watchdog = threading.Timer(task.timeout, on_timeout) if task.timeout else None
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
    try:
        papermill.execute_notebook(
            task.notebook, task.output, parameters=task.parameters, kernel_name=task.kernel,
            progress_bar=False, log_output=False,
            # nbclient's own hooks and kernel manager (papermill hands these keywords to NotebookClient)
            on_notebook_start=on_notebook_start, on_cell_execute=on_cell_execute,
            kernel_manager_class=kernels.StepKernelManager,
            config=kernels.step_config(task.token, task.env, task.cwd, kernel_log(task)),
        )
    except PapermillExecutionError as exc:
        raise _Failure(_describe(exc, task.output)) from None
    except BaseException as exc:  # noqa: BLE001 - sorted into timeout, cancellation, death, start race, failure
        if timed_out.is_set():
            raise _Failure(f"timed out after {task.timeout:g} s; the kernel was killed", timed_out=True) from None
        if kernels.is_cancelled(task.token):
            raise KeyboardInterrupt("cancelled") from None
        if isinstance(exc, KeyboardInterrupt):
            raise
        if isinstance(exc, DeadKernelError):
            where = f"during cell {current[0]}" if current[0] else "before its first cell"
            raise _Failure(f"the kernel died {where}") from None
        if not ready.is_set():
            raise _Failure(f"the kernel did not start: {type(exc).__name__}: {first_line(exc)}",
                           retriable_start=_start_failure(exc)) from None
        raise _Failure(f"{type(exc).__name__}: {first_line(exc)}") from None
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
