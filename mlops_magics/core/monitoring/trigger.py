"""Retrain on a trigger: one retraining at a time per model, never twice for one window, then a cooldown.

Under a file lock per model (``filelock``, under MLOPS_HOME/locks; another monitor finding it held skips,
it does not queue), the newest retraining of the model is read back from the monitoring runs: when it
covered the same window (the same traffic versions), or started less than the cooldown ago, nothing runs.
Otherwise the check's run is marked as retraining (so monitors elsewhere see it at once), the pipeline runs
with the user's parameters, and its own gates and ``--if-better`` promotion decide. What happened is read
back from the registry (the new version, its gate tag, where the alias points now) and from the executed
notebooks (the promotion's decision line), recorded on the check's run and in the alias history.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any, Callable

from ..errors import first_line
from . import records
from .records import (TAG_CANDIDATE, TAG_PIPELINE_RUN, TAG_RETRAINED, TAG_TRIGGER, TAG_TRIGGER_AT,
                      TAG_TRIGGER_SUMMARY, TAG_WINDOW, TAG_WINDOW_ID)
from .results import TriggerOutcome, when_text

__all__ = ["lock_path", "outcome_from_run", "retrain"]

_DECISION = re.compile(r"((?:not )?promoted\b.*)$")
_GATE_FAILED = re.compile(r"GateFailed: (.*)$")


def lock_path(model: str) -> Path:
    """The retraining lock of ``model`` in this store (one per tracking URI and model)."""
    from ..backend import session

    conf = session.settings()
    digest = hashlib.sha1(f"{conf.tracking_uri}\0{model}".encode()).hexdigest()[:16]
    return conf.home / "locks" / f"monitor-{digest}.lock"


def outcome_from_run(run: Any) -> TriggerOutcome | None:
    """The trigger recorded on a check's run (None when it started no retraining)."""
    tags = run.data.tags
    if tags.get(TAG_RETRAINED) != "true":
        return None
    try:
        at = float(tags.get(TAG_TRIGGER_AT) or 0) or run.info.start_time / 1000
    except ValueError:
        at = run.info.start_time / 1000
    return TriggerOutcome(state=tags.get(TAG_TRIGGER, "started"), summary=tags.get(TAG_TRIGGER_SUMMARY, ""), at=at,
                          window={"id": tags.get(TAG_WINDOW_ID), "label": tags.get(TAG_WINDOW)},
                          pipeline_run_id=tags.get(TAG_PIPELINE_RUN), candidate=tags.get(TAG_CANDIDATE))


def _guard(previous: TriggerOutcome | None, window: Any, cooldown: float) -> str | None:
    """Why this window must not retrain again (None: it may)."""
    if previous is None:
        return None
    if previous.window.get("id") == window.identity:
        return (f"this window ({window.label}) was already acted on at {when_text(previous.at)} "
                f"({previous.state}); waiting for new traffic")
    age = time.time() - previous.at
    if age < cooldown:
        return (f"cooldown: the last retraining started {when_text(previous.at)} ({previous.state}); the next may "
                f"start after {when_text(previous.at + cooldown)}")
    return None


def retrain(*, model: str, alias: str, pipeline: str, params: dict[str, Any], force: bool, window: Any,
            reason: str, cooldown: float, experiment: str, handle: Any,
            progress: Callable[[Any, Any], None] | None = None) -> TriggerOutcome:
    """Run the retraining pipeline for this trigger, unless the lock, the window or the cooldown forbid it."""
    from filelock import FileLock, Timeout

    path = lock_path(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return _skipped(handle, window, f"another monitor is retraining {model} right now (lock {path})")
    try:
        last = records.last_trigger(experiment, model)
        why_not = _guard(outcome_from_run(last) if last is not None else None, window, cooldown)
        if why_not is not None:
            return _skipped(handle, window, why_not)
        started = time.time()
        handle.set_tags({TAG_RETRAINED: "true", TAG_TRIGGER: "started", TAG_TRIGGER_AT: f"{started:.3f}"})
        handle.flush()  # visible to other monitors before the pipeline starts
        try:
            outcome = _run(model, alias, pipeline, params, force, window, progress)
        except _Cancelled as stop:  # record what happened, then let the interrupt go on
            stop.outcome.at = started
            _record(handle, model, alias, stop.outcome, reason, window)
            raise stop.__cause__ from None
        outcome.at = started
        _record(handle, model, alias, outcome, reason, window)
        return outcome
    finally:
        lock.release()


def _skipped(handle: Any, window: Any, why: str) -> TriggerOutcome:
    handle.set_tags({TAG_TRIGGER: "skipped", TAG_TRIGGER_SUMMARY: records.tag_text(why)})
    return TriggerOutcome("skipped", why, window=window.describe())


def _run(model: str, alias: str, pipeline: str, params: dict[str, Any], force: bool, window: Any,
         progress: Callable[[Any, Any], None] | None) -> TriggerOutcome:
    from ..backend import session
    from ..pipeline.results import PipelineCancelled
    from ..pipeline.runner import run as run_pipeline
    from ..registry.audit import current_holder
    from ..registry.refs import all_versions

    client = session.client()
    known = {str(v.version) for v in all_versions(client, model)}
    holder = current_holder(client, model, alias)
    outcome = TriggerOutcome("started", "", window=window.describe(), pipeline=pipeline, holder_before=holder)
    try:
        result = run_pipeline(pipeline, params=params, force=force, progress=progress)
    except PipelineCancelled as cancelled:
        _read_back(client, outcome, model, alias, known, cancelled.result)
        outcome.state = "cancelled"
        outcome.summary = f"retraining interrupted; {model}@{alias} stays at v{outcome.holder_after}"
        raise _Cancelled(outcome) from cancelled
    except Exception as exc:  # noqa: BLE001 - the pipeline could not run: recorded, the champion stays
        outcome.state, outcome.holder_after = "failed", holder
        outcome.summary = f"retraining could not run ({first_line(exc)}); {model}@{alias} stays at v{holder}"
        return outcome
    _read_back(client, outcome, model, alias, known, result)
    _judge(outcome, model, alias, result)
    return outcome


class _Cancelled(KeyboardInterrupt):
    """Ctrl-C during the retraining: carries the outcome so it is recorded before the interrupt goes on."""

    def __init__(self, outcome: TriggerOutcome) -> None:
        super().__init__(outcome.summary)
        self.outcome = outcome


def _read_back(client: Any, outcome: TriggerOutcome, model: str, alias: str, known: set[str], result: Any) -> None:
    from ..registry.audit import current_holder
    from ..registry.refs import all_versions
    from ..registry.register import TAG_GATES

    new = [v for v in all_versions(client, model) if str(v.version) not in known]
    outcome.holder_after = current_holder(client, model, alias)
    outcome.pipeline_run_id, outcome.pipeline_state = result.run_id, result.state
    outcome.failed_steps = {n: s.error or s.state for n, s in result.steps.items() if s.state in ("failed", "cancelled")}
    if new:
        candidate = new[0]  # newest first
        outcome.candidate = str(candidate.version)
        outcome.gates = (candidate.tags or {}).get(TAG_GATES, "")
        outcome.gates_passed = True
    for error in outcome.failed_steps.values():
        match = _GATE_FAILED.search(error)
        if match:
            outcome.gates, outcome.gates_passed = match.group(1), False


def _decision(result: Any) -> str | None:
    """The promotion's own decision line, as the pipeline's notebooks printed or raised it."""
    import nbformat

    found = None
    for step in result.steps.values():
        if not step.executed or not Path(step.executed).is_file():
            continue
        try:
            nb = nbformat.read(step.executed, as_version=4)
        except Exception:  # noqa: BLE001 - an unreadable notebook: no decision line from it
            continue
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                text = output.get("text") or output.get("data", {}).get("text/plain") or output.get("evalue") or ""
                for line in str(text).splitlines():
                    match = _DECISION.search(line.strip())
                    if match and (match.start() == 0 or "not promoted:" in line):
                        found = match.group(1)
    return found


def _judge(outcome: TriggerOutcome, model: str, alias: str, result: Any) -> None:
    before, after = outcome.holder_before, outcome.holder_after
    run = f"pipeline run {result.run_id[:8]}" if result.run_id else "pipeline (all steps cached)"
    candidate = f"candidate v{outcome.candidate}" if outcome.candidate else "no new version registered"
    gates = f" (gates: {outcome.gates})" if outcome.gates else ""
    decision = _decision(result)
    if after != before:
        outcome.state = "promoted"
        why = f"; {decision}" if decision else ""
        outcome.summary = f"{run}: {candidate}{gates}; promoted {model}@{alias} v{before} -> v{after}{why}"
    elif not result.ok:
        step, error = next(iter(outcome.failed_steps.items()), ("?", result.state))
        outcome.state = "failed"
        outcome.summary = (f"{run} failed at step {step} ({error}); {candidate}{gates}; "
                           f"{model}@{alias} stays at v{before}")
    else:
        outcome.state = "not promoted"
        why = decision or f"the pipeline did not move {model}@{alias}"
        outcome.summary = f"{run}: {candidate}{gates}; {why}; {model}@{alias} stays at v{before}"


def _record(handle: Any, model: str, alias: str, outcome: TriggerOutcome, reason: str, window: Any) -> None:
    """The outcome on the check's run, and one entry in the alias history."""
    tags = {TAG_TRIGGER: outcome.state, TAG_TRIGGER_SUMMARY: records.tag_text(outcome.summary)}
    if outcome.pipeline_run_id:
        tags[TAG_PIPELINE_RUN] = outcome.pipeline_run_id
    if outcome.candidate:
        tags[TAG_CANDIDATE] = outcome.candidate
    handle.set_tags(tags)
    entry = f"monitor: {reason}; window {window.label} ({window.rows:,} rows, {window.identity}); {outcome.summary}"
    try:
        event = records.record_trigger(model, alias, outcome.holder_after, entry)
        outcome.audit = str(event)
    except Exception as exc:  # noqa: BLE001 - the run keeps the record; say the history could not take it
        outcome.audit = f"not recorded in the alias history: {first_line(exc)}"
    handle.log_text(json.dumps(outcome.to_dict(), default=str), f"{records.REPORT_DIR}/trigger.json")
    handle.flush()
    if outcome.pipeline_run_id:
        try:
            from ..backend import session

            session.client().set_tag(outcome.pipeline_run_id, "mlops.monitor.check_run", handle.run_id)
        except Exception:  # noqa: BLE001 - a link, not the record
            pass
