"""Run one notebook with parameters, as a one-step pipeline (the panel's "Run notebook with
parameters…" command).

The pipeline runner (:mod:`mlops_magics.pipeline`) executes the notebook in a fresh kernel whose
working directory is the notebook's folder, tracks it as a pipeline run with one step run, and
keeps the executed notebook. The step is always forced (the user asked to run it now). The
one-step pipeline file is written beside the notebook as a hidden ``.<stem>.mlops-run.yaml`` (its
lock file beside it): the runner takes paths relative to the pipeline file's folder, which is also
the kernel's working directory, so the notebook sees its usual relative paths.

The executed notebook is copied beside the original as ``<stem>.executed.ipynb`` so JupyterLab can
open it (the runner keeps its own copy under the hidden store folder, which Jupyter does not serve).
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path
from typing import Any, Mapping

__all__ = ["coerce_parameters", "executed_path", "run_notebook"]


def coerce_parameters(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Dialog values to Python values: text that is a Python literal becomes that literal
    (``0.1`` -> 0.1, ``'a'`` -> 'a', ``[1, 2]``), any other text stays a string."""
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if not str(name).isidentifier():
            from ..errors import MlopsUsageError

            raise MlopsUsageError(f"'{name}' is not a parameter name")
        if isinstance(value, str):
            try:
                value = ast.literal_eval(value.strip())
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                pass
        out[str(name)] = value
    return out


def executed_path(notebook: Path) -> Path:
    return notebook.with_name(f"{notebook.stem}.executed.ipynb")


def run_notebook(notebook: str | Path, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Execute ``notebook`` with ``parameters``; a JSON-ready summary (``ok``, ``executed``, ...)."""
    notebook = Path(notebook).resolve()
    return _with_pipeline(notebook, coerce_parameters(parameters), executed_path(notebook))


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text).strip("-") or "notebook"


def _with_pipeline(notebook: Path, params: dict[str, Any], target: Path) -> dict[str, Any]:
    import yaml

    from ..pipeline.runner import run

    name = _safe_name(notebook.stem)
    spec_path = notebook.with_name(f".{notebook.stem}.mlops-run.yaml")
    spec = {"name": name, "steps": {name: {"notebook": notebook.name, "parameters": params}}}
    spec_path.write_text(
        "# written by the mlops_magics JupyterLab panel: 'Run notebook with parameters'\n"
        + yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    try:
        result = run(str(spec_path), force=True)
    except KeyboardInterrupt as exc:  # PipelineCancelled carries the partial result
        result = getattr(exc, "result", None)
        if result is None:
            raise
    step = result[name]
    executed = step.executed
    if executed and Path(executed).exists():
        shutil.copyfile(executed, target)
        executed = str(target)
    return {
        "ok": bool(result.ok),
        "state": step.state,
        "error": step.error,
        "run_id": step.run_id,
        "pipeline_run_id": result.run_id,
        "executed": executed,
        "parameters": {k: repr(v) for k, v in params.items()},
    }
