"""Run one notebook with parameters, as a one-step pipeline (the panel's "Run notebook with
parameters…" command).

The pipeline runner (:mod:`mlops_magics.pipeline`) executes the notebook in a fresh kernel whose
working directory is the notebook's folder, tracks it as a pipeline run with one step run, and
keeps the executed notebook. The step is always forced (the user asked to run it now). The
one-step pipeline file is written beside the notebook as a hidden ``.<stem>.mlops-run.yaml`` (its
lock file beside it): the runner takes paths relative to the pipeline file's folder, which is also
the kernel's working directory, so the notebook sees its usual relative paths.

When the pipeline runner is not installed, papermill executes the notebook directly (no MLflow
pipeline run; ``%mlops track`` inside the notebook still records its own run).

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
            from .errors import MlopsUsageError

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


def pipeline_available() -> bool:
    try:
        from .. import pipeline  # noqa: F401
    except ImportError:
        return False
    return True


def run_notebook(notebook: str | Path, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Execute ``notebook`` with ``parameters``; a JSON-ready summary (``ok``, ``executed``, ...)."""
    notebook = Path(notebook).resolve()
    params = coerce_parameters(parameters)
    target = executed_path(notebook)
    if pipeline_available():
        return _with_pipeline(notebook, params, target)
    return _with_papermill(notebook, params, target)


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text).strip("-") or "notebook"


def _with_pipeline(notebook: Path, params: dict[str, Any], target: Path) -> dict[str, Any]:
    import yaml

    from .. import pipeline

    name = _safe_name(notebook.stem)
    spec_path = notebook.with_name(f".{notebook.stem}.mlops-run.yaml")
    spec = {"name": name, "steps": {name: {"notebook": notebook.name, "parameters": params}}}
    spec_path.write_text(
        "# written by the mlops_magics JupyterLab panel: 'Run notebook with parameters'\n"
        + yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    try:
        result = pipeline.run(str(spec_path), force=True)
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
        "engine": "pipeline",
        "state": step.state,
        "error": step.error,
        "run_id": step.run_id,
        "pipeline_run_id": result.run_id,
        "executed": executed,
        "parameters": {k: repr(v) for k, v in params.items()},
    }


def _with_papermill(notebook: Path, params: dict[str, Any], target: Path) -> dict[str, Any]:
    import papermill

    error = None
    try:
        papermill.execute_notebook(str(notebook), str(target), parameters=params, cwd=str(notebook.parent),
                                   progress_bar=False, log_output=False)
    except Exception as exc:  # noqa: BLE001 - reported to the panel; the executed notebook shows the cell
        lines = str(exc).strip().splitlines()
        error = lines[-1] if lines else type(exc).__name__
    return {
        "ok": error is None,
        "engine": "papermill",
        "state": "succeeded" if error is None else "failed",
        "error": error,
        "run_id": None,
        "pipeline_run_id": None,
        "executed": str(target) if target.exists() else None,
        "parameters": {k: repr(v) for k, v in params.items()},
    }
