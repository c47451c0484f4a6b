"""``reproduce(RUN)``: re-execute a notebook run's recorded cells in a fresh kernel and compare.

The reproduction is a new run in the original's experiment, tagged ``mlops.reproduces`` = the
original's id (the original's ``mlops.reproduced_by`` lists its reproductions); its kernel loads the
data versions the original used for ``NAME`` / ``NAME@latest`` (``MLOPS_PIN_DATA``, honoured by the data
store). The run always ends: FINISHED when every recorded cell ran as it did originally, FAILED when
one failed, KILLED on Ctrl-C; ``mlops.reproduce.verdict`` says whether the values came out the same.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable

from ..backend import session
from ..datastore.repo import PIN_ENV
from ..errors import MlopsUsageError, first_line
from ..tracking.notebook_runs import ATTACH_ENV
from ..tracking.provenance import NOTEBOOK_ENV
from ..tracking.runs import RunHandle, start_run, status_for_exception
from .analysis import analyse, interrupted, prepare
from .compare import DEFAULT_ATOL, DEFAULT_RTOL, compare_runs
from .original import Original, child_runs, load_original, packages
from .replay import build_notebook, cell_results, replay_causes, run_notebook, select
from .results import CAUSE_ORDER, HIDDEN_STATE, Cause, Reproduction
from .source import ToPython

__all__ = ["REPRODUCED_BY", "REPRODUCES", "VERDICT", "reproduce"]

REPRODUCES = "mlops.reproduces"  # on a reproduction: the original run's id
REPRODUCED_BY = "mlops.reproduced_by"  # on an original: its reproductions' ids, comma-separated, newest last
VERDICT = "mlops.reproduce.verdict"  # on a reproduction: "reproduced" | "not reproduced"
_TAG_LIMIT = 5000  # MLflow's tag value limit; the oldest reproductions drop off the list
_FAILING = ("failed", "not-run", "missing-run")  # findings that fail the check whatever the values say


def _kernel_env(handle: RunHandle, original: Original, pins: dict[str, str], executed: Path) -> dict[str, str]:
    conf = session.settings()
    env = {ATTACH_ENV: handle.run_id, "MLOPS_HOME": str(conf.home), NOTEBOOK_ENV: original.notebook or str(executed),
           PIN_ENV: ",".join(f"{name}={ref}" for name, ref in pins.items())}
    if not conf.embedded:
        env["MLFLOW_TRACKING_URI"] = conf.tracking_uri  # embedded: MLOPS_HOME alone names the same store
    return env


def _workdir(cwd: str | None, original: Original) -> Path:
    conf = session.settings()
    if cwd:
        path = Path(cwd).expanduser()
        if not path.is_dir():
            raise MlopsUsageError(f"--cwd {cwd}: no such folder")
        return path.resolve()
    if original.notebook:
        notebook = Path(original.notebook)
        notebook = notebook if notebook.is_absolute() else conf.project_root / notebook
        if notebook.parent.is_dir():
            return notebook.parent
    return conf.project_root


def _notebook_file(original: Original, workdir: Path) -> Path | None:
    if not original.notebook:
        return None
    path = Path(original.notebook)
    for candidate in (path, session.settings().project_root / path, workdir / path.name):
        if candidate.is_file():
            return candidate
    return None


def _link_original(client: Any, original_id: str, new_id: str) -> None:
    current = client.get_run(original_id).data.tags.get(REPRODUCED_BY, "")
    ids = [i for i in current.split(",") if i] + [new_id]
    while len(",".join(ids)) > _TAG_LIMIT:
        ids.pop(0)
    client.set_tag(original_id, REPRODUCED_BY, ",".join(ids))


def _environment(client: Any, original_id: str, new_id: str) -> list[Cause]:
    before, after = packages(client, original_id), packages(client, new_id)
    if not before or not after:
        return []
    changed = [f"{n} {before[n]} -> {after[n]}" for n in sorted(before) if n in after and before[n] != after[n]]
    changed += [f"{n} {before[n]} -> (not installed)" for n in sorted(before) if n not in after]
    changed += [f"{n} (new) {after[n]}" for n in sorted(after) if n not in before]
    if not changed:
        return []
    shown = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
    return [Cause("environment", f"the Python packages differ from the original run's: {shown}")]


def _report(result: Reproduction) -> str:
    return json.dumps({"verdict": result.verdict, "original": result.original_run_id, "rtol": result.rtol,
                       "atol": result.atol, "pinned": result.pinned, "values": result.table_rows(),
                       "causes": [{"kind": c.kind, "text": c.text, "cells": list(c.cells)} for c in result.causes]},
                      indent=1, default=str)


def _split(causes: list[Cause], reproduced: bool, exact: bool) -> tuple[list[Cause], list[Cause]]:
    """(likely causes, notes): nothing is a cause of a difference there is not; in an exact replay, hidden
    state (edits, re-runs, stale reads) was replayed as it happened, so it explains nothing either."""
    causes = sorted(causes, key=lambda c: CAUSE_ORDER.index(c.kind))
    if reproduced:
        return [], causes
    if exact:
        return [c for c in causes if c.kind not in HIDDEN_STATE], [c for c in causes if c.kind in HIDDEN_STATE]
    return causes, []


def _compared_children(original: Original, replayed: list[Any]) -> tuple[list[Any], int]:
    """The original's tracked cells' runs to compare: those of the replayed executions (and any the log
    does not name); the number left out (earlier executions of re-run cells)."""
    logged = {r.get("child_run_id") for r in original.records} - {None}
    kept = {r.record.get("child_run_id") for r in replayed if not interrupted(r.record)} - {None}
    runs = [c for c in original.children if c.info.run_id in kept or c.info.run_id not in logged]
    return runs, len(original.children) - len(runs)


def _store(handle: RunHandle, result: Reproduction, executed: Path) -> None:
    """The executed notebook, the verdict and the report on the reproduction's run (what fails is noted)."""
    handle.set_tags({VERDICT: result.verdict})
    handle.log_text(_report(result), "reproduce/report.json")
    try:
        if executed.exists():
            handle.log_artifact(executed, artifact_path="notebook")
    except Exception as exc:  # noqa: BLE001 - the check's answer stands; say what was not stored
        result.notes.append(Cause("store", f"the executed notebook was not stored with run {handle.run_id}: "
                                  f"{first_line(exc)} (it is at {executed})"))


def reproduce(run: str, *, to_python: ToPython, rtol: float = DEFAULT_RTOL, atol: float = DEFAULT_ATOL,
              exact: bool = False, timeout: float | None = None, kernel: str = "python3", cwd: str | None = None,
              progress: Callable[[str], None] | None = None) -> Reproduction:
    """Re-execute the cells notebook run ``run`` recorded in a fresh kernel into a new run, and compare
    params and metrics, its own and its tracked cells' runs.

    By default each cell runs once, in its last recorded version, at the place it first ran (so cells
    edited after they ran, or re-run out of order, show up); ``exact`` replays every recorded execution
    as it happened. ``to_python`` turns a cell with magics into Python (IPython's
    ``TransformerManager().transform_cell``); ``progress`` receives a line when the kernel starts.
    """
    if rtol < 0 or atol < 0:
        raise MlopsUsageError("--rtol and --atol must be 0 or more")
    if timeout is not None and timeout <= 0:
        raise MlopsUsageError("--timeout must be a positive number of seconds")
    conf = session.ready()
    client = session.client()
    original = load_original(run)
    cells = prepare(original.records, to_python)
    replayed = select(cells, exact)
    workdir = _workdir(cwd, original)
    findings = analyse(cells, replayed, stale_tags=original.stale_tags(), ended_ms=original.run.info.end_time,
                       cwd=workdir, notebook=_notebook_file(original, workdir))
    compared, superseded = _compared_children(original, replayed)
    handle = start_run("notebook", experiment=original.experiment_name, run_name=f"{original.name} (reproduction)",
                       stacked=False, extra_tags={REPRODUCES: original.run_id}, notebook=original.notebook)
    began = time.monotonic()
    status = "KILLED"
    result: Reproduction | None = None
    try:
        _link_original(client, original.run_id, handle.run_id)
        executed = conf.home / "reproduce" / original.run_id / f"{handle.run_id}.ipynb"
        count = sum(1 for r in replayed if not interrupted(r.record))
        if progress:
            progress(f"re-executing {count} cell(s) of run '{original.name}' in a fresh kernel, into run "
                     f"{handle.run_id}")
        nb = build_notebook(replayed, original.run_id, handle.run_id, kernel, exact)
        outcome = run_notebook(nb, executed, env=_kernel_env(handle, original, original.pins, executed),
                               cwd=workdir, kernel=kernel, timeout=timeout)
        if outcome.status == "cancelled":
            raise KeyboardInterrupt("reproduction cancelled")
        causes = replay_causes(cell_results(executed), replayed, outcome)
        new = client.get_run(handle.run_id)
        checks, missing = compare_runs(original.run, new, compared,
                                       child_runs(client, new.info.experiment_id, handle.run_id), rtol, atol,
                                       original.cell_counts())
        causes += missing + findings + _environment(client, original.run_id, handle.run_id)
        reproduced = all(c.ok for c in checks) and not any(c.kind in _FAILING for c in causes)
        explaining = [c for c in causes if c.kind not in ("environment", "unexplained", "missing-run")
                      and not (exact and c.kind in HIDDEN_STATE)]
        if not reproduced and not explaining:
            causes.append(Cause("unexplained", "no outside state, changed file or failure found: look for randomness "
                                "without a fixed seed, the clock, or data read from outside the data store"))
        likely, notes = _split(causes, reproduced, exact)
        status = "FAILED" if any(c.kind in ("failed", "not-run") for c in causes) else "FINISHED"
        result = Reproduction(
            original_run_id=original.run_id, original_name=original.name, new_run_id=handle.run_id,
            new_name=handle.name, experiment_id=handle.experiment_id, reproduced=reproduced, values=checks,
            causes=likely, notes=notes, notebook=str(executed), cells=count, status=status, rtol=rtol, atol=atol,
            pinned=dict(original.pins), exact=exact, superseded=superseded, duration_s=time.monotonic() - began,
            original_url=conf.ui_run_url(original.run.info.experiment_id, original.run_id),
            new_url=conf.ui_run_url(handle.experiment_id, handle.run_id), ui_hint=conf.ui_hint())
        _store(handle, result, executed)
        return result
    except BaseException as exc:
        status = status_for_exception(exc)
        raise
    finally:
        card = handle.end(status)
        if result is not None and card.status != status:
            result.status = card.status  # the end flush failed: the run says so
