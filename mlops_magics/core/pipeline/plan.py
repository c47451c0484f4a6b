"""What would run, without running anything: dry runs and ``status``. No kernel, no MLflow."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..errors import MlopsUsageError
from .cache import Decision, KeyParts, current_store, decide, key_parts
from .lockfile import LockFile
from .results import PipelineResult, StepResult
from .spec import PipelineSpec, load

__all__ = ["LAST_RUN_FILE", "dry_run", "new_result", "plan", "record_last", "select", "status"]

LAST_RUN_FILE = "last.json"  # under MLOPS_HOME/pipelines: which pipeline ran last


def select(spec: PipelineSpec, only: Iterable[str] | None) -> set[str]:
    """The steps to run: all, or the ``--only`` ones (checked)."""
    names = list(only or [])
    unknown = [n for n in names if n not in spec.steps]
    if unknown:
        raise MlopsUsageError(f"--only {', '.join(unknown)}: no such step (steps: {', '.join(spec.steps)})")
    return set(names) if names else set(spec.steps)


def new_result(spec: PipelineSpec, **kwargs: Any) -> PipelineResult:
    steps = {name: StepResult(name=name, notebook=spec.steps[name].notebook_text,
                              params=dict(spec.steps[name].parameters),
                              depends_on=spec.steps[name].depends_on)
             for name in spec.order}
    return PipelineResult(name=spec.name, path=str(spec.path), lock_path=str(spec.lock_path), steps=steps, **kwargs)


def plan(spec: PipelineSpec, selected: set[str], lock: LockFile,
         force: bool = False) -> dict[str, tuple[KeyParts, Decision]]:
    """Each step's key and decision, from the files as they are now (a step downstream of one
    that will run is marked to run too: its inputs are about to change)."""
    keys: dict[str, str] = {}
    decisions: dict[str, tuple[KeyParts, Decision]] = {}
    store = current_store()
    for name in spec.order:
        step = spec.steps[name]
        parts = key_parts(step, spec.root, keys)
        keys[name] = parts.key
        if name not in selected:
            decisions[name] = (parts, Decision(False, "not selected"))
            continue
        decision = decide(step, parts, lock.entry(name), spec.root, force=force, store=store)
        rerun = [d for d in step.depends_on if d in selected and decisions[d][1].run]
        if rerun and not decision.run:
            decision = Decision(True, f"upstream step {rerun[0]} will run")
        decisions[name] = (parts, decision)
    return decisions


def dry_run(spec: PipelineSpec, selected: set[str], force: bool = False) -> PipelineResult:
    lock = LockFile(spec.lock_path, spec.name)
    result = new_result(spec, state="planned", dry_run=True)
    for name, (parts, decision) in plan(spec, selected, lock, force).items():
        step = result.steps[name]
        step.key = parts.key
        step.reason = decision.reason
        step.state = "not selected" if name not in selected else ("would run" if decision.run else "cached")
        entry = lock.entry(name) or {}
        step.run_id, step.executed = entry.get("run_id"), entry.get("executed")
    return result


def _pipelines_dir() -> Path:
    from ..backend import session

    return session.settings().home / "pipelines"


def record_last(spec: PipelineSpec, run_id: str | None) -> None:
    """Remember the pipeline that ran last (``%mlops pipeline status`` with no file)."""
    folder = _pipelines_dir()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{LAST_RUN_FILE}.{os.getpid()}"
    tmp.write_text(json.dumps({"path": str(spec.path), "name": spec.name, "run_id": run_id}))
    os.replace(tmp, folder / LAST_RUN_FILE)


def status(pipeline_path: str | os.PathLike[str] | None = None,
           params: Mapping[str, Any] | None = None) -> PipelineResult:
    """The last recorded run of a pipeline (from its lock file), and which steps are now stale."""
    if pipeline_path is None:
        marker = _pipelines_dir() / LAST_RUN_FILE
        try:
            pipeline_path = json.loads(marker.read_text())["path"]
        except (OSError, ValueError, KeyError):
            raise MlopsUsageError("no pipeline has run in this project yet; name the pipeline file") from None
    spec = load(pipeline_path, params)
    lock = LockFile(spec.lock_path, spec.name)
    last = lock.last_run
    result = new_result(spec, state="status", run_id=last.get("run_id"), duration_s=last.get("duration_s"))
    decisions = plan(spec, set(spec.steps), lock)
    for name, step in result.steps.items():
        entry = lock.entry(name) or {}
        step.state = entry.get("status") or "pending"
        step.duration_s, step.key = entry.get("duration_s"), entry.get("key")
        step.run_id, step.executed, step.error = entry.get("run_id"), entry.get("executed"), entry.get("error")
        step.outcome = entry.get("outcome")
        parts, decision = decisions[name]
        if not entry:
            step.reason = "never run"
        else:
            step.reason = f"stale: {decision.reason}" if decision.run else "up to date"
    return result
