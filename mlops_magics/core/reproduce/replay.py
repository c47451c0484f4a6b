"""The recorded cells as a notebook, executed by papermill in a fresh kernel, and what happened to each.

Which executions are replayed: by default each cell once (a cell is a cell id; a record without one,
from papermill or a plain shell, is a cell of its own), in its last recorded version, at the place it
first ran: the notebook's code as it stands, run in the order it was written in, so cells edited after
they ran and cells re-run out of order show up as differences. ``exact``: every recorded execution,
as it happened.

The notebook: a setup cell (``%load_ext mlops_magics`` and ``%mlops track``, which attaches to the
reproduction's run through ``MLOPS_ATTACH_RUN_ID``), then each recorded cell in the order it ran (its
``%mlops track`` / ``stop`` lines made inert; a cell that raised in the original is tagged
``raises-exception`` so the replay goes on past it, as the session did; an interrupted cell is shown,
not run), then ``%mlops stop`` (uploads the reproduction's own code log). Execution goes through the
pipeline's step executor: the kernel's environment, working directory and timeout without touching
this process's, start-race retries, the kernel killed on Ctrl-C.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..pipeline.execute import StepOutcome, StepTask, execute_step
from .analysis import Recorded, interrupted
from .results import Cause
from .source import neutralise

__all__ = ["CellResult", "build_notebook", "cell_key", "cell_results", "replay_causes", "run_notebook", "select"]

META = "mlops_reproduce"  # cell metadata key: which record a cell replays
SETUP = "%load_ext mlops_magics\n%mlops track"


def cell_key(r: Recorded) -> str:
    """What counts as one cell: its id, else the record itself."""
    return r.cell_id or f"#{r.index}"


def select(cells: list[Recorded], exact: bool) -> list[Recorded]:
    """The executions a reproduction replays, in order (see the module's docstring)."""
    if exact:
        return list(cells)
    first: dict[str, int] = {}
    last: dict[str, Recorded] = {}
    for r in cells:
        first.setdefault(cell_key(r), r.index)
        last[cell_key(r)] = r
    return [last[key] for key in sorted(first, key=first.__getitem__)]


def _code(source: str, meta: dict[str, Any], raises: bool = False) -> Any:
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    cell.metadata[META] = meta
    if raises:
        cell.metadata["tags"] = ["raises-exception"]
    return cell


def build_notebook(cells: list[Recorded], original_id: str, new_id: str, kernel: str, exact: bool = False) -> Any:
    """The notebook that replays ``cells`` (from :func:`select`) into run ``new_id``."""
    import nbformat

    what = ("every execution it recorded, as it happened" if exact else
            "each cell it recorded once, in its last version, in the order the cells first ran")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    nb.cells.append(nbformat.v4.new_markdown_cell(
        f"Reproduction of run `{original_id}` by `mlops reproduce`: {what}, re-executed in a fresh kernel "
        f"into run `{new_id}`."))
    nb.cells.append(_code(SETUP, {"role": "setup"}))
    for r in cells:
        if interrupted(r.record):
            nb.cells.append(nbformat.v4.new_markdown_cell(
                f"{r.label} was interrupted in the original run and is not re-executed:\n\n```python\n"
                f"{r.record.get('source') or ''}\n```"))
            continue
        meta = {"role": "recorded", "index": r.index, "execution_count": r.execution_count,
                "cell_id": r.cell_id, "sha1": r.record.get("sha1")}
        nb.cells.append(_code(neutralise(r.record.get("source") or ""), meta, r.record.get("status") == "error"))
    nb.cells.append(_code("%mlops stop", {"role": "teardown"}))
    return nb


def run_notebook(nb: Any, output: Path, *, env: dict[str, str], cwd: Path, kernel: str,
                 timeout: float | None) -> StepOutcome:
    """Execute ``nb`` into ``output`` (written even when a cell fails)."""
    import nbformat

    output.parent.mkdir(parents=True, exist_ok=True)
    source = output.with_name(output.stem + ".input.ipynb")
    nbformat.write(nb, str(source))
    try:
        task = StepTask(step="reproduce", notebook=str(source), output=str(output), parameters={}, cwd=str(cwd),
                        env=env, kernel=kernel, token=f"reproduce-{uuid.uuid4().hex}", timeout=timeout)
        return execute_step(task)
    finally:
        source.unlink(missing_ok=True)


@dataclass
class CellResult:
    """What one cell of the executed notebook did."""

    role: str  # setup | recorded | teardown
    index: int | None  # the record it replays
    ran: bool
    error: str | None  # "Name: message" of its error output


def _error_text(output: Any) -> str:
    lines = [ln.strip() for ln in str(output.get("evalue") or "").splitlines() if ln.strip()]
    return f"{output.get('ename')}: {lines[0][:200]}" if lines else str(output.get("ename"))


def cell_results(output: Path) -> list[CellResult]:
    """Each code cell of the executed notebook (none when papermill wrote nothing)."""
    import nbformat

    try:
        nb = nbformat.read(str(output), as_version=4)
    except (OSError, ValueError):
        return []
    results = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get(META)
        if cell.cell_type != "code" or not meta:
            continue
        error = next((_error_text(o) for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
        ran = cell.get("execution_count") is not None or error is not None
        results.append(CellResult(meta.get("role", "recorded"), meta.get("index"), ran, error))
    return results


def replay_causes(results: list[CellResult], cells: list[Recorded], outcome: StepOutcome) -> list[Cause]:
    """Cells that failed in the reproduction (but not in the original), cells never reached, and a
    failure no cell explains (the kernel did not start, died, or timed out)."""
    by_index = {r.index: r for r in cells}
    causes = []
    for result in results:
        recorded = by_index.get(result.index) if result.role == "recorded" else None
        if recorded is None:
            if result.error and result.role == "setup":
                causes.append(Cause("failed", f"the reproduction could not attach to its run: {result.error}"))
            continue
        count = (recorded.execution_count,) if recorded.execution_count is not None else ()
        before = recorded.record.get("error")
        if result.error and recorded.record.get("status") != "error":
            causes.append(Cause("failed", f"{recorded.label} failed in the reproduction: {result.error}", count))
        elif result.error and before and result.error.split(":")[0] != before.split(":")[0]:
            causes.append(Cause("failed", f"{recorded.label} raised {result.error} in the reproduction, "
                                f"{before} in the original", count))
        elif not result.error and result.ran and before:
            causes.append(Cause("unexplained", f"{recorded.label} raised {before} in the original run but not in "
                                "the reproduction", count))
    skipped = [by_index[r.index] for r in results if r.role == "recorded" and not r.ran and r.index in by_index]
    if skipped:
        causes.append(Cause("not-run", f"{len(skipped)} recorded cell(s) did not run after the failure, from "
                            f"{skipped[0].label}", tuple(r.execution_count for r in skipped
                                                         if r.execution_count is not None)))
    unexplained = not results or outcome.timed_out or (skipped and not any(c.kind == "failed" for c in causes))
    if outcome.status != "succeeded" and outcome.error and unexplained:
        explained = outcome.error if results else f"the notebook did not run: {outcome.error}"
        causes.insert(0, Cause("failed", f"the reproduction failed: {explained}"))
    return causes
