"""Execute a pipeline: decide per step (cache or run), run ready steps up to ``jobs`` at once,
track them, propagate failures, and cancel cleanly.

    from mlops_magics.pipeline import run
    result = run("churn.yaml", params={"seed": 1}, jobs=2)
    result["train"].state          # 'succeeded' | 'cached' | 'failed' | 'skipped' | ...

Everything below runs in the caller's thread except the notebooks themselves (worker threads or
Dask workers), so progress callbacks and MLflow calls never race.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import queue
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from ..errors import MlopsUsageError
from . import plan, runlock
from .cache import Decision, KeyParts, current_store, decide, hash_outputs, key_parts
from .events import PipelineEvent
from .lockfile import LockFile, utc_now
from .results import PipelineCancelled, PipelineResult
from .spec import PipelineSpec, load
from .warm import prefetch, quiet

if TYPE_CHECKING:  # pragma: no cover
    from .executors import Executor

__all__ = ["Progress", "run"]

Progress = Callable[[PipelineEvent, PipelineResult], None]
BACKOFF_S = 1.0  # before the 2nd attempt of a step; doubled after each failure
CANCEL_WAIT_S = 30.0
_BAD = ("failed", "skipped", "cancelled")


def run(pipeline_path: str, params: Mapping[str, Any] | None = None, only: Iterable[str] | None = None,
        force: bool = False, jobs: int = 1, executor: str = "local", dry_run: bool = False,
        progress: Progress | None = None, cancel: threading.Event | None = None) -> PipelineResult:
    """Run the pipeline in ``pipeline_path``; a :class:`PipelineResult` with one entry per step.

    ``params``: overrides, ``{"seed": 1}`` for every step declaring ``seed``, ``{"train.lr": 0.1}``
    for one step. ``only``: run just these steps (others' outputs are used as they are). ``force``:
    ignore the cache. ``executor``: ``"local"`` or ``"dask://HOST:PORT"``. ``progress(event, result)``
    is called from this thread. Ctrl-C, or setting ``cancel``, kills running kernels and raises
    :class:`PipelineCancelled` (a ``KeyboardInterrupt`` carrying the partial result). One execution of a
    pipeline at a time: a second one waits for the first (a ``waiting`` event says so).
    """
    if int(jobs) < 1:
        raise MlopsUsageError(f"--jobs {jobs}: give 1 or more")
    from .executors import check_executor

    check_executor(executor)
    spec = load(pipeline_path, params)
    selected = plan.select(spec, only)
    if dry_run:
        result = plan.dry_run(spec, selected, force)
        if progress:
            progress(PipelineEvent("done", state=result.state), result)
        return result

    def on_wait(message: str) -> None:
        if progress:
            progress(PipelineEvent("waiting", message=message), plan.new_result(spec, state="waiting"))

    try:
        with runlock.holding(spec.path, on_wait, cancel):
            return _Execution(spec, selected, force, int(jobs), executor, progress, cancel,
                              dict(params or {})).run()
    except KeyboardInterrupt as interrupt:
        if isinstance(interrupt, PipelineCancelled):
            raise
        result = plan.new_result(spec, state="cancelled")  # stopped while waiting: nothing ran
        for step in result.steps.values():
            step.state, step.reason = "cancelled", "the pipeline was cancelled before it started"
        raise PipelineCancelled(result) from None


class _Execution:
    def __init__(self, spec: PipelineSpec, selected: set[str], force: bool, jobs: int, executor: str,
                 progress: Progress | None, cancel: threading.Event | None, params: dict[str, Any]) -> None:
        from .step_runs import PipelineTracking

        self.spec, self.selected, self.force, self.jobs = spec, selected, force, jobs
        self.executor_spec, self.progress, self.cancel = executor, progress, cancel
        self.lock = LockFile(spec.lock_path, spec.name)  # read under the run lock: no other writer now
        self.result = plan.new_result(spec, executor=executor, jobs=jobs)
        self.tracking = PipelineTracking(spec, {**spec.params, **params}, executor)
        self.token = f"pipeline-{uuid.uuid4().hex}"
        self.store = current_store()
        self.executor: Executor | None = None
        self.keys: dict[str, KeyParts] = {}
        self.decisions: dict[str, Decision] = {}
        self.planned: dict[str, tuple[KeyParts, Decision]] = {}
        self.handles: dict[str, Any] = {}
        self.running: dict[cf.Future, str] = {}
        self.events: queue.Queue[PipelineEvent] = queue.Queue()
        self.began = time.monotonic()

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> PipelineResult:
        with quiet("papermill"), quiet("traitlets"):
            try:
                self._plan()
                self._loop()
                self.result.state = "succeeded" if self.result.ok else "failed"
            except KeyboardInterrupt:
                self._cancel()
                self.result.state = "cancelled"
                raise PipelineCancelled(self.result) from None
            except BaseException:
                self._cancel()
                self.result.state = "failed"
                raise
            finally:
                self._finalize()
        return self.result

    def _plan(self) -> None:
        """What will run and what is cached, told at once (before MLflow or a kernel starts)."""
        self.planned = plan.plan(self.spec, self.selected, self.lock, self.force)
        for name, (_, decision) in self.planned.items():
            step = self.result.steps[name]
            step.plan = "not selected" if name not in self.selected else ("run" if decision.run else "cached")
            step.reason = decision.reason
        self._notify(PipelineEvent("planned"))

    def _as_planned(self, name: str) -> bool:
        """Nothing ``name`` depends on ran in this execution: its planned key and decision still hold."""
        deps = self.spec.steps[name].depends_on
        return name in self.planned and all(self.result.steps[d].state in ("cached", "not selected") for d in deps)

    def _key(self, name: str) -> KeyParts:
        if self._as_planned(name):
            return self.planned[name][0]
        return key_parts(self.spec.steps[name], self.spec.root, {n: p.key for n, p in self.keys.items()})

    def _decide(self, name: str) -> Decision:
        if self._as_planned(name):
            return self.planned[name][1]
        return decide(self.spec.steps[name], self.keys[name], self.lock.entry(name), self.spec.root, self.force,
                      self.store)

    def _loop(self) -> None:
        pending = list(self.spec.order)
        while pending or self.running:
            if self.cancel is not None and self.cancel.is_set():
                raise KeyboardInterrupt("cancelled")
            progressed = True
            while progressed:
                progressed = False
                for name in list(pending):
                    if self._advance(name):
                        pending.remove(name)
                        progressed = True
            if not self.running:
                break
            self._wait(0.1)

    def _advance(self, name: str) -> bool:
        """Settle or start ``name`` if its dependencies are done; True when it left the queue."""
        step, state = self.spec.steps[name], self.result.steps[name]
        deps = {d: self.result.steps[d].state for d in step.depends_on}
        if any(s in ("pending", "running") for s in deps.values()):
            return False
        bad = [d for d, s in deps.items() if s in _BAD]
        if bad:
            state.state, state.reason = "skipped", f"upstream step {bad[0]} {deps[bad[0]]}"
            self._notify(PipelineEvent("finished", name, "skipped", state.reason))
            return True
        if name not in self.keys:
            self.keys[name] = self._key(name)
            state.key = self.keys[name].key
        if name not in self.selected:
            state.state, state.reason = "not selected", "not selected (--only)"
            return True
        if name not in self.decisions:
            self.decisions[name] = self._decide(name)
        decision = self.decisions[name]
        if not decision.run:
            entry = self.lock.entry(name) or {}
            state.state, state.reason = "cached", "unchanged"
            state.run_id, state.executed = entry.get("run_id"), entry.get("executed")
            state.outcome = entry.get("outcome")
            self._notify(PipelineEvent("finished", name, "cached", state.reason))
            return True
        prefetch()
        if len(self.running) >= self.jobs:
            return False
        self._start(name, decision)
        return True

    def _start(self, name: str, decision: Decision) -> None:
        from .execute import StepTask

        step, state = self.spec.steps[name], self.result.steps[name]
        missing = [i.ref for i in step.inputs if i.kind == "path" and not (self.spec.root / i.ref).exists()]
        if missing:
            state.state, state.error = "failed", f"input {missing[0]} does not exist"
            state.reason = decision.reason
            self._notify(PipelineEvent("finished", name, "failed", state.error))
            return
        if self.executor is None:  # connect (Dask) before any run is started
            from .executors import make_executor

            self.executor = make_executor(self.executor_spec, self.jobs)
        handle = self.tracking.start_step(step, self.keys[name].key, decision.reason)
        self.handles[name] = handle
        self.lock.set_status(name, "running")  # its outputs are about to be rewritten
        executed = self.tracking.executed_path(step)
        task = StepTask(step=name, notebook=str(step.notebook), output=str(executed), parameters=step.parameters,
                        cwd=str(self.spec.root), env=self.tracking.kernel_env(handle, step), kernel=step.kernel,
                        token=f"{self.token}/{name}", timeout=step.timeout, retries=step.retries, backoff=BACKOFF_S)
        state.state, state.reason, state.run_id, state.executed = "running", decision.reason, handle.run_id, str(executed)
        state.started = time.time()
        self.running[self.executor.submit(task, self.events.put)] = name
        self._notify(PipelineEvent("started", name, "running", decision.reason))

    def _wait(self, timeout: float) -> None:
        done, _ = cf.wait(list(self.running), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        self._drain()
        for future in done:
            self._finish(self.running.pop(future), future.result())

    def _drain(self) -> None:
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return
            state = self.result.steps.get(event.step)
            if state is not None and event.kind == "cell":
                state.cell, state.cells = event.cell, event.cells
            self._notify(event)

    # -- a step ends --------------------------------------------------------------------------
    def _finish(self, name: str, outcome: Any) -> None:
        step, state = self.spec.steps[name], self.result.steps[name]
        state.duration_s, state.attempts, state.error = outcome.duration_s, outcome.attempts, outcome.error
        outputs: dict[str, str] = {}
        if outcome.status == "succeeded":
            outputs = hash_outputs(step, self.spec.root)
            missing = [ref for ref, digest in outputs.items() if digest == "missing"]
            if missing:
                outcome.status, state.error = "failed", f"declared output {missing[0]} was not written"
        state.state = outcome.status
        run_status = {"succeeded": "FINISHED", "cancelled": "KILLED"}.get(outcome.status, "FAILED")
        handle = self.handles.pop(name)
        try:
            state.outcome = self.tracking.read_outcome(handle)
            self.tracking.finish_step(handle, state, run_status)
        finally:
            if outcome.status in ("succeeded", "failed"):
                self._record(name, outputs)
            else:
                self.lock.set_status(name, outcome.status)
            self._notify(PipelineEvent("finished", name, state.state, state.error or ""))

    def _record(self, name: str, outputs: dict[str, str]) -> None:
        state, parts = self.result.steps[name], self.keys[name]
        entry = {"key": parts.key, "status": state.state, "notebook": self.spec.steps[name].notebook_text,
                 **parts.to_json(), "outputs": outputs, "run_id": state.run_id,
                 "pipeline_run_id": self.tracking.parent.run_id if self.tracking.parent else None,
                 "executed": state.executed, "duration_s": round(state.duration_s or 0.0, 3),
                 "attempts": state.attempts, "finished": utc_now(), "store": current_store()}
        if state.error:
            entry["error"] = state.error
        if state.outcome:
            entry["outcome"] = state.outcome
        self.lock.set_step(name, entry, list(self.spec.order))

    # -- the end ------------------------------------------------------------------------------
    def _cancel(self) -> None:
        if self.executor is not None:
            with contextlib.suppress(Exception):
                self.executor.cancel(self.token)
        deadline = time.monotonic() + CANCEL_WAIT_S
        while self.running and time.monotonic() < deadline:
            try:
                self._wait(0.2)
            except KeyboardInterrupt:  # a second Ctrl-C: kill again, keep cleaning up
                from . import kernels

                kernels.cancel_tokens(self.token)
        for future, name in list(self.running.items()):
            future.cancel()
            self.running.pop(future)
            self.result.steps[name].state = "cancelled"
            with contextlib.suppress(Exception):
                self.lock.set_status(name, "cancelled")
            with contextlib.suppress(Exception):
                self.tracking.finish_step(self.handles.pop(name), self.result.steps[name], "KILLED")
        for state in self.result.steps.values():
            if state.state == "pending":
                state.state, state.reason = "cancelled", "the pipeline was cancelled before it started"

    def _finalize(self) -> None:
        from ..backend.settings import load_settings

        self.result.duration_s = time.monotonic() - self.began
        self.result.ui_hint = load_settings().ui_hint()
        try:
            if self.tracking.parent is not None:
                self.result.run_id = self.tracking.parent.run_id
                self.lock.set_run({"run_id": self.result.run_id, "state": self.result.state, "finished": utc_now(),
                                   "duration_s": round(self.result.duration_s, 3), "executor": self.executor_spec})
            plan.record_last(self.spec, self.result.run_id or self.lock.last_run.get("run_id"))
        finally:
            try:
                self.tracking.finish(self.result)
            finally:
                self.result.warnings.extend(self.tracking.warnings)
                if self.executor is not None:
                    self.executor.close()
                    from . import kernels

                    kernels.forget_cancelled(self.token)
                self._notify(PipelineEvent("done", state=self.result.state))

    def _notify(self, event: PipelineEvent) -> None:
        if self.progress is not None:
            self.progress(event, self.result)
