"""The MLflow side of a pipeline execution: one parent run, one child run per executed step.

Runs are started with ``stacked=False``: they live side by side and never become the notebook's
active run. A step's kernel attaches to its run through ``MLOPS_ATTACH_RUN_ID`` (``%mlops track``
in the step notebook logs into it; ``%%mlops track`` cells become its children). Created lazily:
a pipeline whose steps are all cached starts no run (and does not even import MLflow).

Only creating a run is on the critical path (its id goes into the kernel's environment); logging
params, uploading the executed notebook and ending step runs happen on a one-thread "lane" while
other steps run, and :meth:`PipelineTracking.finish` waits for the lane before ending the parent.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import time
from pathlib import Path
from typing import Any, Callable

from ..backend import session, tags
from ..tracking.runs import RunHandle, start_run
from .results import PipelineResult, StepResult
from .spec import PipelineSpec, StepSpec

__all__ = ["PipelineTracking", "TAG_KEY", "TAG_PIPELINE", "TAG_STEP"]

TAG_PIPELINE = "mlops.pipeline"  # the pipeline's name, on the parent and every step run
TAG_STEP = "mlops.pipeline.step"
TAG_KEY = "mlops.pipeline.key"  # the step's cache key
TAG_FILE = "mlops.pipeline.file"
TAG_REASON = "mlops.pipeline.reason"  # why the step ran
TAG_ERROR = "mlops.pipeline.error"
KIND_PIPELINE, KIND_STEP = "pipeline", "pipeline-step"


class PipelineTracking:
    """Creates and ends the runs of one pipeline execution (called from the runner's thread only)."""

    def __init__(self, spec: PipelineSpec, params: dict[str, Any], executor: str) -> None:
        self.spec = spec
        self.params = params
        self.executor = executor
        self.parent: RunHandle | None = None
        self.warnings: list[str] = []
        self._lane: cf.ThreadPoolExecutor | None = None
        self._pending: list[cf.Future] = []

    def _defer(self, work: Callable[[], None]) -> None:
        if self._lane is None:
            self._lane = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlops-pipeline-tracking")
        self._pending.append(self._lane.submit(work))

    def drain(self) -> None:
        """Wait for deferred logging; failures become warnings (the pipeline's outcome stands)."""
        for future in self._pending:
            try:
                future.result()
            except Exception as exc:  # noqa: BLE001 - reported on the result, runs still end
                self.warnings.append(f"tracking: {type(exc).__name__}: {exc}")
        self._pending.clear()
        if self._lane is not None:
            self._lane.shutdown(wait=True)
            self._lane = None

    def ensure_parent(self) -> RunHandle:
        if self.parent is None:
            conf = session.ready()
            self.parent = start_run(
                KIND_PIPELINE, experiment=self.spec.experiment, run_name=run_name(self.spec.name), stacked=False,
                extra_tags={TAG_PIPELINE: self.spec.name, TAG_FILE: str(self.spec.path),
                            "mlops.pipeline.executor": self.executor},
            )
            self.parent.log_params(self.params)
            self.parent.log_text(self.spec.path.read_text(encoding="utf-8"), f"pipeline/{self.spec.path.name}")
            self._defer(self.parent.flush)
            self.folder = conf.home / "pipelines" / _safe(self.spec.name) / self.parent.run_id
            self.folder.mkdir(parents=True, exist_ok=True)
        return self.parent

    def start_step(self, step: StepSpec, key: str, reason: str) -> RunHandle:
        parent = self.ensure_parent()
        handle = start_run(KIND_STEP, run_name=step.name, parent=parent, stacked=False, notebook=str(step.notebook),
                           extra_tags={TAG_PIPELINE: self.spec.name, TAG_STEP: step.name, TAG_KEY: key,
                                       TAG_REASON: reason})
        handle.log_params(effective_parameters(step))
        self._defer(handle.flush)
        return handle

    def read_outcome(self, handle: RunHandle) -> str | None:
        """The one-line outcome the step's notebook published on its run (``mlops.outcome``), if any."""
        try:
            return handle.client.get_run(handle.run_id).data.tags.get(tags.OUTCOME) or None
        except Exception as exc:  # noqa: BLE001 - reported on the result; the step's state stands
            self.warnings.append(f"tracking: could not read the outcome of run {handle.run_id}: {exc}")
            return None

    def executed_path(self, step: StepSpec) -> Path:
        return self.folder / f"{_safe(step.name)}.ipynb"

    def kernel_env(self, handle: RunHandle, step: StepSpec) -> dict[str, str]:
        """What a step's kernel needs: its run to attach to, its notebook path, the store."""
        conf = session.settings()
        env = {"MLOPS_ATTACH_RUN_ID": handle.run_id, "MLOPS_NOTEBOOK": str(step.notebook),
               "MLOPS_HOME": str(conf.home), "MLOPS_PIPELINE": self.spec.name, "MLOPS_PIPELINE_STEP": step.name}
        if not conf.embedded:
            env["MLFLOW_TRACKING_URI"] = conf.tracking_uri  # embedded: MLOPS_HOME alone names the same store
        if conf.experiment:
            env["MLOPS_EXPERIMENT"] = conf.experiment
        return env

    def finish_step(self, handle: RunHandle, result: StepResult, status: str) -> None:
        """Log the executed notebook, duration and error, then end the run (deferred to the lane)."""
        executed, error = result.executed, result.error
        metrics = {"duration_s": result.duration_s or 0.0, "attempts": float(result.attempts)}

        def work() -> None:
            try:
                if executed and os.path.exists(executed):
                    handle.log_artifact(executed, artifact_path="notebook")
                handle.log_metrics(metrics)
                if error:
                    handle.set_tags({TAG_ERROR: error[:4000]})
                    handle.log_text(error + "\n", "error.txt")
            finally:
                handle.end(status)

        self._defer(work)

    def finish(self, result: PipelineResult) -> None:
        """Wait for the deferred logging, then end the parent run with the pipeline's outcome."""
        self.drain()
        if self.parent is None:
            return
        try:
            counts = {f"steps_{s}": float(result.count(s))
                      for s in ("succeeded", "cached", "failed", "skipped", "cancelled")}
            self.parent.log_metrics({**counts, "duration_s": result.duration_s or 0.0})
        finally:
            status = {"succeeded": "FINISHED", "cancelled": "KILLED"}.get(result.state, "FAILED")
            self.parent.end(status)
        self.warnings.extend(self.parent.warnings)


def run_name(pipeline: str) -> str:
    """The parent run's name: the pipeline's and the local start time (``churn 11-05 14:03:27``), so the
    runs of one pipeline tell apart in the MLflow UI."""
    return f"{pipeline} {time.strftime('%m-%d %H:%M:%S')}"


def effective_parameters(step: StepSpec) -> dict[str, Any]:
    """What the notebook runs with: the defaults of its ``parameters`` cell, then the injected values."""
    return {**step.info.defaults, **step.parameters}


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "step"
