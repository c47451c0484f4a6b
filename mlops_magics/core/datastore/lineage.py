"""Lineage: tie versions to MLflow runs (dataset inputs) and record the run ids in the manifest.

The active run is ours (``mlops_magics.core.tracking.runs.active_run()``: a handle with ``.run_id`` and
``.client``) or, failing that, MLflow's fluent ``mlflow.active_run()``. Neither module is imported
here unless the caller already imported it, so the CLI and plain ``data add`` never load MLflow.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

from ..errors import StoreError, first_line
from .manifest import Version

__all__ = ["RunRef", "current_run", "log_version"]

ROLE_OUTPUT = "output"  # the run produced the version (data add)
ROLE_INPUT = "input"  # the run used the version (data load / checkout)
SOURCE_TYPE = "mlops_data"
_MLFLOW_TYPES = {"int64": "long", "int32": "integer", "float64": "double", "float32": "float", "bool": "boolean",
                 "object": "string", "string": "string", "category": "string"}


@dataclass
class RunRef:
    """The minimal shape lineage needs from a run handle."""

    run_id: str
    client: Any  # mlflow.MlflowClient


def current_run() -> RunRef | None:
    """The innermost active run (ours first, then MLflow's fluent one), or None."""
    tracking = sys.modules.get("mlops_magics.core.tracking.runs")
    if tracking is not None:
        handle = tracking.active_run()
        if handle is not None:
            return RunRef(handle.run_id, handle.client)
    mlflow = sys.modules.get("mlflow")
    if mlflow is not None and getattr(mlflow, "active_run", None) is not None:
        run = mlflow.active_run()
        if run is not None:
            return RunRef(run.info.run_id, mlflow.MlflowClient())
    return None


def _schema_json(version: Version) -> str | None:
    if not version.schema:
        return None
    cols = [{"name": n, "type": _MLFLOW_TYPES.get(t, "datetime" if t.startswith("datetime") else "string"),
             "required": True} for n, t in version.schema.items()]
    return json.dumps({"mlflow_colspec": cols})


def log_version(run: RunRef, name: str, version: Version, role: str) -> None:
    """Log ``name@vN`` as a dataset input of ``run`` (context ``output`` or ``input``)."""
    from mlflow.entities import Dataset, DatasetInput, InputTag
    from mlflow.exceptions import MlflowException

    ref = f"{name}@v{version.version}"
    source = {"uri": f"mlops-data://{ref}", "hash": f"blake3:{version.hash}", "path": version.path}
    profile = {"num_rows": version.rows, "num_columns": version.columns, "size_bytes": version.size,
               "kind": version.kind, "files": version.files}
    dataset = Dataset(
        name=ref,
        digest=version.hash[:36],  # MLflow caps digests at 36 characters; the full hash is in source/tags
        source_type=SOURCE_TYPE,
        source=json.dumps(source),
        schema=_schema_json(version),
        profile=json.dumps({k: v for k, v in profile.items() if v is not None}),
    )
    tags = [InputTag("mlflow.data.context", role), InputTag("mlops.data.ref", ref),
            InputTag("mlops.data.hash", version.hash)]
    try:
        run.client.log_inputs(run.run_id, datasets=[DatasetInput(dataset, tags)])
    except MlflowException as exc:
        raise StoreError(f"{ref} is stored, but logging it to run {run.run_id[:8]} failed ({first_line(exc)})") from None
